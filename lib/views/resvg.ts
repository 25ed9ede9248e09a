// resvg (SVG → PNG, a native addon), under our own declarations: see resvg.d.ts.
// @ts-types="./resvg.d.ts"
export { Resvg } from "@resvg/resvg-js";
