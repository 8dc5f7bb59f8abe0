// Entry of dist/wasm/flow-dis.wasm: DIS's hot loops (src/metrics/flow-dis*.ts call them).
export { search, densify } from './flow-dis-search';
export { solve, compactBytes } from './flow-dis-refine';
export { grey, halve, sobel, dataTerms, resize, shrinkRgb } from './flow-dis-pyramid';
