/**
 * A body that is not an OTLP `ExportTraceServiceRequest` at all: not JSON, not protobuf, or the wrong
 * top-level shape. {@link OtlpDecodeError.path} says where (e.g. `resourceSpans[0].scopeSpans`).
 * Individual bad spans do not throw: they are counted in `DecodeResult.rejectedSpans`.
 */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
  /** Where in the request the problem is (empty for the whole body). */
  readonly path: string;
  /** What is wrong, without the path. */
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(
      `@tickline/otlp: invalid OTLP ExportTraceServiceRequest: ${path === '' ? '' : `${path}: `}${reason}. Send an OTLP/HTTP trace export (JSON or protobuf).`,
    );
    this.path = path;
    this.reason = reason;
  }
}
