// Dawn, Chromium's WebGPU, as the Node addon `npm:webgpu` (dist/linux-x64/dawn.node), in place of
// Deno's built-in WebGPU. On an H100 tfjs ran 1.6× faster on it (../shared/gpu/NOTES.md): Deno's
// WebGPU runs shaders that index private arrays at run time 30–75× slower. Imported only when
// QA_WEBGPU=dawn (or --webgpu dawn) asks for it, so that no other path loads the addon.

import { create, globals } from "webgpu";

// The instances stay referenced for the life of the process: their adapters and devices use them.
const instances: GPU[] = [];

/**
 * Dawn's adapter, or null when it finds none. Dawn's own classes become the globals (GPUBuffer,
 * GPUTexture, ...): tfjs-backend-webgpu tells buffers from textures with `instanceof GPUBuffer`.
 *
 * Dawn's Vulkan backend first (a GPU's driver). Mesa's software Vulkan driver in Debian 12
 * (lavapipe, Mesa 22.3) lacks features Dawn requires ("Vulkan shaderUniform*ArrayDynamicIndexing
 * required", which Dawn prints), so then Dawn's OpenGL ES backend, which needs the compatibility
 * feature level and, without a display, EGL's surfaceless platform: Mesa's llvmpipe in CI.
 */
export async function requestDawnAdapter(): Promise<GPUAdapter | null> {
  Object.assign(globalThis, globals);
  // Set before Dawn starts its threads (setenv races getenv in other threads); Mesa's EGL reads
  // it, NVIDIA's ignores it.
  if (Deno.env.get("EGL_PLATFORM") == null) Deno.env.set("EGL_PLATFORM", "surfaceless");
  const vulkan = instance([]);
  const adapter = await vulkan.requestAdapter({ powerPreference: "high-performance" });
  if (adapter != null) return adapter;
  const gles = instance(["backend=opengles"]);
  return await gles.requestAdapter({ featureLevel: "compatibility" } as GPURequestAdapterOptions);
}

function instance(options: string[]): GPU {
  const gpu = create(options);
  instances.push(gpu);
  return gpu;
}
