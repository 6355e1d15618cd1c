/**
 * A small layer for building ONNX graphs in TypeScript: named values, nodes, initializers,
 * serialised with onnx-proto's generated protobuf code (no hand-rolled protobuf).
 */
import onnxProto, { type onnx as P } from 'onnx-proto';
import { CommonsynthError } from '../../errors.js';

const { onnx } = onnxProto;

/** A graph dimension: a fixed size or a symbolic name such as "batch". */
export type Dim = number | string;

/** Element types used by our graphs. */
export type ElementType = 'float32' | 'int64' | 'int8' | 'uint8' | 'int32';

/** Typed arrays accepted as initializer data, matching {@link ElementType}. */
export type InitializerData = Float32Array | BigInt64Array | Int8Array | Uint8Array | Int32Array;

/**
 * Attribute values. Plain numbers are integer attributes (ONNX `INT`) and must be integers;
 * float attributes are written `{ float: x }` so the two are never confused.
 */
export type AttributeValue = number | number[] | string | { float: number } | { floats: number[] };

export interface NodeOptions {
  /** Operator domain: '' (ai.onnx) or e.g. 'com.microsoft' for ONNX Runtime contrib ops. */
  domain?: string;
  /** Number of outputs (default 1) or their explicit names. */
  outputs?: number | string[];
  name?: string;
}

export interface ModelOptions {
  /** ai.onnx opset version (default 17). */
  opset?: number;
  /** Extra domains and versions, e.g. `{ 'com.microsoft': 1 }`. */
  domains?: Record<string, number>;
  producerName?: string;
  docString?: string;
}

/** Raised when a graph is assembled inconsistently (a bug in the caller, not in user data). */
export class GraphBuildError extends CommonsynthError {
  constructor(message: string) {
    super('ONNX_GRAPH', message);
  }
}

const DATA_TYPE: Record<ElementType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int64: onnx.TensorProto.DataType.INT64,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  int32: onnx.TensorProto.DataType.INT32,
};

function elementTypeOf(data: InitializerData): ElementType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint8Array) return 'uint8';
  return 'int32';
}

function valueInfo(name: string, type: ElementType, dims: readonly Dim[]): P.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[type],
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): P.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') {
    return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      throw new GraphBuildError(`attribute ${name}: ${value} is not an integer; use { float }`);
    }
    return { name, type: T.INT, i: value };
  }
  if (Array.isArray(value)) {
    if (!value.every(Number.isInteger)) {
      throw new GraphBuildError(`attribute ${name}: ints must be integers; use { floats }`);
    }
    return { name, type: T.INTS, ints: value };
  }
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.FLOATS, floats: value.floats };
}

/** Builds one ONNX graph; every method returns the names of the values it defines. */
export class GraphBuilder {
  private readonly nodes: P.INodeProto[] = [];
  private readonly initializers: P.ITensorProto[] = [];
  private readonly inputs: P.IValueInfoProto[] = [];
  private readonly outputs: P.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(readonly graphName: string) {}

  /** An unused name with a readable prefix (not yet reserved: defining it reserves it). */
  fresh(prefix: string): string {
    let name: string;
    do {
      name = `${prefix}_${this.counter++}`;
    } while (this.names.has(name));
    return name;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new GraphBuildError(`value name "${name}" defined twice`);
    this.names.add(name);
    return name;
  }

  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), type, dims));
    return name;
  }

  /** Declares an existing value as a graph output. */
  output(name: string, type: ElementType, dims: readonly Dim[]): void {
    if (!this.names.has(name)) throw new GraphBuildError(`output "${name}" is not defined`);
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A constant tensor stored in the model (weights, shapes, indices). */
  initializer(name: string, data: InitializerData, dims: readonly number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new GraphBuildError(
        `initializer ${name}: ${data.length} values for shape [${dims.join(',')}]`,
      );
    }
    this.initializers.push({
      name: this.claim(name),
      dims: [...dims],
      dataType: DATA_TYPE[elementTypeOf(data)],
      // raw_data is little-endian, as are the typed arrays on every platform Node supports.
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** An int64 constant (for Reshape shapes, Slice bounds, axes). */
  int64(values: readonly number[], prefix = 'const'): string {
    return this.initializer(
      this.fresh(prefix),
      BigInt64Array.from(values, (v) => BigInt(v)),
      [values.length],
    );
  }

  /** A float constant of the given shape. */
  float(
    values: readonly number[] | Float32Array,
    dims: readonly number[],
    prefix = 'const',
  ): string {
    return this.initializer(this.fresh(prefix), Float32Array.from(values), dims);
  }

  /** Adds a node and returns its output names (one per output). */
  nodeN(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    options: NodeOptions = {},
  ): string[] {
    for (const input of inputs) {
      // '' marks an omitted optional input in ONNX.
      if (input !== '' && !this.names.has(input)) {
        throw new GraphBuildError(`${opType}: input "${input}" is not defined`);
      }
    }
    const wanted = options.outputs ?? 1;
    const outputs =
      typeof wanted === 'number'
        ? Array.from({ length: wanted }, () => this.claim(this.fresh(opType.toLowerCase())))
        : wanted.map((n) => this.claim(n));
    this.nodes.push({
      opType,
      domain: options.domain ?? '',
      name: options.name ?? this.fresh(`node_${opType}`),
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** Adds a single-output node and returns its output name. */
  node(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    options: Omit<NodeOptions, 'outputs'> & { output?: string } = {},
  ): string {
    const outputs = options.output === undefined ? 1 : [options.output];
    return this.nodeN(opType, inputs, attributes, { ...options, outputs })[0];
  }

  /** The ModelProto, serialised. */
  toBytes(options: ModelOptions = {}): Uint8Array {
    const opsetImport: P.IOperatorSetIdProto[] = [{ domain: '', version: options.opset ?? 17 }];
    for (const [domain, version] of Object.entries(options.domains ?? {})) {
      opsetImport.push({ domain, version });
    }
    const model: P.IModelProto = {
      irVersion: 8,
      producerName: options.producerName ?? 'commonsynth',
      docString: options.docString ?? '',
      opsetImport,
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}
