import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * A growing ONNX graph: nodes, initialisers, inputs and outputs, serialised to a ModelProto with everything the
 * outputs do not reach dropped (the depth graph builds the text tower's constants even when only the image path is
 * exported).
 */

/** A value in the graph: its name and static shape, -1 for the dynamic batch axis. */
export interface OnnxValue {
  name: string;
  shape: number[];
}

export type Attribute = number | number[] | string | { float: number };

interface NodeRecord {
  opType: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, Attribute>;
}

interface Initialiser {
  dims: number[];
  dataType: number;
  raw: Uint8Array;
}

export const OPSET = 17;
const IR_VERSION = 8;

function attributeProto(name: string, value: Attribute): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  return { name, type: T.FLOAT, f: value.float };
}

function bytesOf(data: Float32Array | BigInt64Array | Uint8Array): Uint8Array {
  // ONNX raw_data is little-endian, which is the byte order of every platform onnxruntime-node ships for.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export class OnnxGraph {
  private readonly nodes: NodeRecord[] = [];
  private readonly initialisers = new Map<string, Initialiser>();
  private readonly inputs: { value: OnnxValue; elemType: number }[] = [];
  private readonly outputs: OnnxValue[] = [];
  private readonly producers = new Map<string, NodeRecord>();
  private counter = 0;

  /** A fresh value name with a readable stem. */
  fresh(stem: string): string {
    return `${stem}_${this.counter++}`;
  }

  hasInitialiser(name: string): boolean {
    return this.initialisers.has(name);
  }

  initialiser(name: string, dims: number[], data: Float32Array | BigInt64Array): OnnxValue {
    if (this.initialisers.has(name)) throw new Error(`ONNX initialiser ${name} defined twice`);
    const dataType = data instanceof Float32Array ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64;
    this.initialisers.set(name, { dims, dataType, raw: bytesOf(data) });
    return { name, shape: dims };
  }

  /** An int64 constant (shapes, axes, slice bounds). */
  int64(values: number[]): OnnxValue {
    return this.initialiser(this.fresh('i64'), [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** A float scalar constant. */
  scalar(value: number): OnnxValue {
    return this.initialiser(this.fresh('scalar'), [], Float32Array.of(value));
  }

  /** Appends a node with one output of the given shape. */
  node(opType: string, inputs: (OnnxValue | undefined)[], shape: number[], attributes: Record<string, Attribute> = {}): OnnxValue {
    const out = { name: this.fresh(opType), shape };
    // Trailing optional inputs are left out rather than named '': ORT's WebGPU Conv crashes (SIGSEGV) on a Conv
    // whose absent bias is an empty name.
    let n = inputs.length;
    while (n > 0 && inputs[n - 1] === undefined) n--;
    const record = { opType, inputs: inputs.slice(0, n).map((v) => v?.name ?? ''), outputs: [out.name], attributes };
    this.nodes.push(record);
    this.producers.set(out.name, record);
    return out;
  }

  /** The node that computed a value, if any (for peephole simplifications). */
  producer(value: OnnxValue): { opType: string; inputs: string[]; attributes: Record<string, Attribute> } | undefined {
    return this.producers.get(value.name);
  }

  input(name: string, shape: number[], elemType: 'float32' | 'uint8'): OnnxValue {
    const value = { name, shape };
    this.inputs.push({ value, elemType: elemType === 'uint8' ? onnx.TensorProto.DataType.UINT8 : onnx.TensorProto.DataType.FLOAT });
    return value;
  }

  /** Marks a float32 value as a graph output under `name` (an Identity node gives it the public name). */
  output(value: OnnxValue, name: string): void {
    const record = { opType: 'Identity', inputs: [value.name], outputs: [name], attributes: {} };
    this.nodes.push(record);
    this.outputs.push({ name, shape: value.shape });
  }

  /** Serialises the part of the graph the outputs depend on. */
  encode(opts: { graphName: string; metadata?: Record<string, string>; docString?: string }): Uint8Array {
    const needed = new Set(this.outputs.map((o) => o.name));
    const kept: NodeRecord[] = [];
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      if (!n.outputs.some((o) => needed.has(o))) continue;
      kept.push(n);
      for (const name of n.inputs) if (name) needed.add(name);
    }
    kept.reverse();
    const valueInfo = (v: OnnxValue, elemType: number): onnxProto.onnx.IValueInfoProto => ({
      name: v.name,
      type: { tensorType: { elemType, shape: { dim: v.shape.map((d) => (d < 0 ? { dimParam: 'batch' } : { dimValue: d })) } } },
    });
    const model: onnxProto.onnx.IModelProto = {
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'depthkit',
      docString: opts.docString,
      metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: opts.graphName,
        node: kept.map((n) => ({
          opType: n.opType,
          input: n.inputs,
          output: n.outputs,
          name: n.outputs[0],
          attribute: Object.entries(n.attributes).map(([k, v]) => attributeProto(k, v)),
        })),
        initializer: [...this.initialisers].filter(([name]) => needed.has(name)).map(([name, t]) => ({ name, dims: t.dims, dataType: t.dataType, rawData: t.raw })),
        input: this.inputs.filter((i) => needed.has(i.value.name)).map((i) => valueInfo(i.value, i.elemType)),
        output: this.outputs.map((o) => valueInfo(o, onnx.TensorProto.DataType.FLOAT)),
      },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}
