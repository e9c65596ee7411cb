import { OtlpDecodeError } from './errors.js';
import { otlpTypes } from './schema.js';
import type { ExportTraceServiceResponseInput } from './types.js';

function hasPartialSuccess(input: ExportTraceServiceResponseInput): boolean {
  return (input.rejectedSpans ?? 0) > 0 || (input.errorMessage ?? '') !== '';
}

/**
 * Encodes an OTLP `ExportTraceServiceResponse` as protobuf bytes. With no rejected spans and no
 * message it is the empty message (full success); otherwise it carries `partial_success`.
 */
export function encodeExportTraceServiceResponse(input: ExportTraceServiceResponseInput = {}): Uint8Array {
  if (!hasPartialSuccess(input)) return new Uint8Array(0);
  return otlpTypes()
    .response.encode({
      partialSuccess: { rejectedSpans: input.rejectedSpans ?? 0, errorMessage: input.errorMessage ?? '' },
    })
    .finish();
}

/** The OTLP/HTTP JSON form of an `ExportTraceServiceResponse` (int64 `rejectedSpans` as a decimal string). */
export function encodeExportTraceServiceResponseJson(input: ExportTraceServiceResponseInput = {}): {
  partialSuccess?: { rejectedSpans: string; errorMessage: string };
} {
  if (!hasPartialSuccess(input)) return {};
  return {
    partialSuccess: {
      rejectedSpans: String(input.rejectedSpans ?? 0),
      errorMessage: input.errorMessage ?? '',
    },
  };
}

/** Decodes a protobuf `ExportTraceServiceResponse` (what an OTLP client reads back). */
export function decodeExportTraceServiceResponse(bytes: Uint8Array): {
  rejectedSpans: number;
  errorMessage: string;
} {
  let message: {
    partialSuccess: { rejectedSpans: { low: number; high: number } | number; errorMessage: string } | null;
  };
  try {
    message = otlpTypes().response.decode(bytes) as unknown as typeof message;
  } catch (error) {
    throw new OtlpDecodeError(
      '',
      `not a protobuf ExportTraceServiceResponse (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const partial = message.partialSuccess;
  if (partial === null || partial === undefined) return { rejectedSpans: 0, errorMessage: '' };
  const rejected = partial.rejectedSpans;
  return {
    rejectedSpans:
      typeof rejected === 'number' ? rejected : rejected.high * 4294967296 + (rejected.low >>> 0),
    errorMessage: partial.errorMessage,
  };
}

/** Encodes a `google.rpc.Status` (`code` is a gRPC code, e.g. 3 INVALID_ARGUMENT) as protobuf bytes: OTLP/HTTP error bodies. */
export function encodeRpcStatus(status: { code: number; message: string }): Uint8Array {
  return otlpTypes().rpcStatus.encode({ code: status.code, message: status.message }).finish();
}

/** Decodes a protobuf `google.rpc.Status` error body. */
export function decodeRpcStatus(bytes: Uint8Array): { code: number; message: string } {
  try {
    const status = otlpTypes().rpcStatus.decode(bytes) as unknown as { code: number; message: string };
    return { code: status.code, message: status.message };
  } catch (error) {
    throw new OtlpDecodeError(
      '',
      `not a protobuf google.rpc.Status (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
