/** The layer types a network definition can use, by the name it uses for them. */
import { attention, embedding, layernorm, linear, matmul } from "./dense.js";
import { add, dropout, gelu, relu, relu6, sigmoid, softmax, tanh } from "./elementwise.js";
import { concat, flatten, gather, reshape, transpose } from "./shape-ops.js";
import type { LayerImpl } from "./types.js";
import { avgpool, batchnorm, conv2d, globalavgpool, maxpool } from "./vision.js";

export const LAYERS: Record<string, LayerImpl> = {
  conv2d, batchnorm, maxpool, avgpool, globalavgpool,
  relu, relu6, sigmoid, tanh, gelu, softmax, dropout, add,
  concat, flatten, reshape, transpose, gather,
  linear, matmul, layernorm, embedding, attention,
};

export type { LayerImpl } from "./types.js";
