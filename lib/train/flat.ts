// Gradients and optimizer moments as one flat Float32Array in parameter order: one buffer to sum,
// clip, hand between threads (transferable) and update in a single loop, instead of a few tfjs ops
// per parameter.

/** Where each parameter sits in a flat buffer: names in the model's order, offsets and sizes. */
export interface FlatLayout {
  names: string[];
  shapes: number[][];
  offsets: number[];
  sizes: number[];
  /** Elements of the whole buffer. */
  size: number;
}

/** The layout of `parameters` in their iteration order (the model's parameter order). */
export function flatLayout(parameters: Map<string, { shape: number[] }>): FlatLayout {
  const layout: FlatLayout = { names: [], shapes: [], offsets: [], sizes: [], size: 0 };
  for (const [name, { shape }] of parameters) {
    const size = shape.reduce((n, d) => n * d, 1);
    layout.names.push(name);
    layout.shapes.push(shape);
    layout.offsets.push(layout.size);
    layout.sizes.push(size);
    layout.size += size;
  }
  return layout;
}

/** The part of `flat` that holds parameter `index` of `layout` (a view, not a copy). */
export function part(layout: FlatLayout, flat: Float32Array, index: number): Float32Array {
  const from = layout.offsets[index];
  return flat.subarray(from, from + layout.sizes[index]);
}

/**
 * into += weight·values, each product rounded to float32 first, so that adding the same parts in
 * the same order gives the same bits whether one thread or several (then summed) did it.
 */
export function addScaled(
  into: Float32Array,
  values: ArrayLike<number>,
  weight: number,
): void {
  if (weight === 1) {
    for (let i = 0; i < into.length; i++) into[i] += values[i];
  } else {
    for (let i = 0; i < into.length; i++) into[i] += Math.fround(weight * values[i]);
  }
}

/** into = weight·values, rounded to float32: the first term of `addScaled`'s sums (0 + x = x). */
export function setScaled(into: Float32Array, values: ArrayLike<number>, weight: number): void {
  if (weight === 1) {
    for (let i = 0; i < into.length; i++) into[i] = values[i];
  } else {
    for (let i = 0; i < into.length; i++) into[i] = Math.fround(weight * values[i]);
  }
}
