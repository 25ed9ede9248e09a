/** The SQuAD v1.1 and v2.0 metrics, as the official evaluation scripts compute them. */
export { getTokens, normalizeAnswer, pythonSplit } from "./normalize.ts";
export { pythonSum } from "./sum.ts";
export {
  computeExact,
  computeF1,
  computeF1V1,
  type EvaluateOptions,
  evaluateSquad,
  type Predictions,
  type QuestionScore,
  scoreDataset,
  type ScoredQuestion,
  scoreQuestion,
  type SquadReference,
  squadV1,
  type SquadV1Result,
  squadV2,
  type SquadV2Result,
  type SquadVersion,
} from "./squad.ts";
export {
  cmrcExact,
  cmrcF1,
  type CmrcResult,
  cmrcScores,
  evaluateCmrc,
  longestCommonSubstring,
  mixedSegmentation,
  removePunctuation,
} from "./cmrc.ts";
export {
  ANSWER_LENGTHS,
  answerLength,
  type BreakdownDimension,
  type BreakdownQuestion,
  breakdownScores,
  type GroupScore,
  type GroupScores,
  QUESTION_WORDS,
  type QuestionWord,
  questionWord,
  type ScoreBreakdown,
  scoreBreakdown,
} from "./breakdown.ts";
