/** The model as an ONNX graph (`writeOnnx`) and run by ONNX Runtime (`OnnxQuestionAnsweringModel`). */
export {
  ONNX_FILE,
  ONNX_OPSET,
  onnxInputNames,
  onnxModel,
  type WeightArrays,
  writeOnnx,
} from "./export.ts";
export { OnnxQuestionAnsweringModel } from "./onnx_model.ts";
