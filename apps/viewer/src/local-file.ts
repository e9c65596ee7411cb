/** Analysis of a local OTLP JSON file, entirely in the browser, with @tickline/causal. */
import { analyze, toAnalysisJson } from '@tickline/causal';
import { decodeOtlpJson } from '@tickline/otlp';
import { readAnalysis, type ViewerAnalysis } from './model';

/** The analysis of a file plus what the decoder rejected. */
export interface LocalAnalysis {
  analysis: ViewerAnalysis;
  spans: number;
  rejectedSpans: number;
  errors: string[];
}

/** Decodes an OTLP JSON export (ExportTraceServiceRequest) and analyses every span in it. */
export function analyzeOtlpText(text: string): LocalAnalysis {
  const decoded = decodeOtlpJson(text);
  const analysis = readAnalysis(toAnalysisJson(analyze(decoded.spans)));
  return {
    analysis,
    spans: decoded.spans.length,
    rejectedSpans: decoded.rejectedSpans,
    errors: decoded.errors,
  };
}
