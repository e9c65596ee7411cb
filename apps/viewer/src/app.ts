/** Wires the page: API or local file → analysis → diagram and panels; hash routing. */
import { ApiError, CollectorClient, NoCollectorError, type TraceRow } from './api';
import { buildCausalIndex, causalFuture, causalPast } from './causality';
import { SpaceTimeDiagram } from './diagram';
import { anomalyLabel, formatClockTime, formatInterval, formatMs, formatNanos, spanKindName } from './format';
import { LAYOUT_LABELS, type LayoutMode } from './layout';
import { analyzeOtlpText } from './local-file';
import {
  readAnalysis,
  skewBetween,
  type ViewerAnalysis,
  type ViewerAnomaly,
  type ViewerOffset,
} from './model';

/** One sentence per anomaly kind (docs/design.md §6). */
const ANOMALY_EXPLANATIONS: Record<string, string> = {
  'backwards-message':
    'The receive is stamped before the send: the two hosts’ clocks disagree by at least this much.',
  'local-clock-regression':
    'Two consecutive events of one node go back in wall-clock time: the clock stepped back.',
  'clock-condition-violation':
    'The Lamport clock did not advance across this edge: a hop did not merge the clock.',
  'inconsistent-offsets':
    'No set of clock offsets explains these timestamps, e.g. a clock jumped inside the window.',
};

/** A parsed location hash. */
export type Route =
  | { type: 'trace'; traceId: string }
  | { type: 'window'; minutes: number }
  | { type: 'none' };

/** Reads `#/trace/<traceId>` and `#/window/<minutes>`. */
export function parseRoute(hash: string): Route {
  const trace = /^#\/trace\/([0-9a-fA-F]{1,64})\/?$/.exec(hash);
  if (trace) return { type: 'trace', traceId: trace[1]!.toLowerCase() };
  const window = /^#\/window(?:\/(\d{1,6}))?\/?$/.exec(hash);
  if (window) return { type: 'window', minutes: Number(window[1] ?? 15) || 15 };
  return { type: 'none' };
}

type CollectorState = 'unknown' | 'connected' | 'absent' | 'token';

function byId<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`viewer: the page has no #${id}`);
  return found as T;
}

function html(tag: string, attributes: Record<string, string> = {}, text?: string): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The viewer application; one per page. */
export class ViewerApp {
  readonly #client: CollectorClient;
  readonly #diagram: SpaceTimeDiagram;
  #analysis: ViewerAnalysis | null = null;
  #collector: CollectorState = 'unknown';
  #traces: TraceRow[] = [];
  #nextCursor: string | null = null;
  #activeTrace: string | null = null;
  #loadSequence = 0;

  constructor() {
    this.#client = new CollectorClient(location.href, window.sessionStorage);
    this.#diagram = new SpaceTimeDiagram(byId('diagram'), { onSelect: (id) => this.#select(id) });
    this.#buildLayoutSwitch();
    this.#bindFileInput();
    byId('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.#client.token = byId<HTMLInputElement>('token-input').value.trim();
      void this.start();
    });
    byId('refresh-traces').addEventListener('click', () => void this.#loadTraces(false));
    byId('more-traces').addEventListener('click', () => void this.#loadTraces(true));
    byId('anomalous-only').addEventListener('change', () => void this.#loadTraces(false));
    byId('window-button').addEventListener('click', () => {
      location.hash = '#/window/15';
    });
    byId('reset-view').addEventListener('click', () => this.#diagram.resetView());
    window.addEventListener('hashchange', () => void this.#route());
    this.#renderPanels();
  }

  /** Checks the collector, lists traces and follows the hash. */
  async start(): Promise<void> {
    this.#setStatus('Connecting…', 'unknown');
    try {
      await this.#client.health();
      this.#collector = 'connected';
      byId('token-form').hidden = true;
      this.#setStatus('Collector connected', 'ok');
    } catch (error) {
      this.#handleApiError(error);
      return;
    }
    await this.#loadTraces(false);
    const route = parseRoute(location.hash);
    if (route.type !== 'none') await this.#route();
    else if (this.#analysis === null && this.#traces.length > 0) {
      const first = this.#traces.find((trace) => trace.anomalyCount > 0) ?? this.#traces[0]!;
      await this.#loadTrace(first.traceId);
    }
  }

  #handleApiError(error: unknown): void {
    if (error instanceof ApiError && error.status === 401) {
      this.#collector = 'token';
      const form = byId('token-form');
      form.hidden = false;
      byId('token-error').textContent = this.#client.token ? 'That token was refused.' : '';
      byId<HTMLInputElement>('token-input').focus();
      this.#setStatus('Token required', 'warn');
    } else if (error instanceof NoCollectorError || this.#collector !== 'connected') {
      this.#collector = 'absent';
      this.#setStatus('No collector — open an OTLP JSON file', 'off');
      this.#renderTraceList();
    } else {
      this.#setStatus(error instanceof Error ? error.message : String(error), 'error');
    }
  }

  #setStatus(text: string, tone: 'ok' | 'warn' | 'off' | 'error' | 'unknown'): void {
    const status = byId('status');
    status.textContent = text;
    status.dataset.tone = tone;
  }

  async #route(): Promise<void> {
    const route = parseRoute(location.hash);
    if (route.type === 'trace') await this.#loadTrace(route.traceId);
    else if (route.type === 'window') await this.#loadWindow(route.minutes);
  }

  async #loadTraces(more: boolean): Promise<void> {
    if (this.#collector !== 'connected') return;
    try {
      const anomalous = byId<HTMLInputElement>('anomalous-only').checked || undefined;
      const page = await this.#client.traces({
        limit: 50,
        ...(anomalous ? { anomalous } : {}),
        ...(more && this.#nextCursor !== null ? { cursor: this.#nextCursor } : {}),
      });
      this.#traces = more ? [...this.#traces, ...page.traces] : page.traces;
      this.#nextCursor = page.next;
    } catch (error) {
      this.#handleApiError(error);
    }
    this.#renderTraceList();
  }

  async #loadTrace(traceId: string): Promise<void> {
    const sequence = ++this.#loadSequence;
    this.#activeTrace = traceId;
    this.#renderTraceList();
    this.#setSource(`Trace ${traceId}`);
    try {
      const body = await this.#client.trace(traceId);
      if (sequence !== this.#loadSequence) return;
      this.#show(readAnalysis(body), `Trace ${traceId}`);
    } catch (error) {
      if (sequence !== this.#loadSequence) return;
      if (error instanceof ApiError && error.status === 404)
        this.#showError(`Trace ${traceId} is not stored.`);
      else if (error instanceof ApiError && error.status !== 401) this.#showError(error.message);
      else this.#handleApiError(error);
    }
  }

  async #loadWindow(minutes: number): Promise<void> {
    const sequence = ++this.#loadSequence;
    this.#activeTrace = null;
    this.#renderTraceList();
    const to = Date.now();
    const label = `All spans of the last ${minutes} min`;
    try {
      const body = await this.#client.window(to - minutes * 60_000, to);
      if (sequence !== this.#loadSequence) return;
      this.#show(readAnalysis(body), label);
    } catch (error) {
      if (sequence !== this.#loadSequence) return;
      if (error instanceof ApiError && error.status !== 401) this.#showError(error.message);
      else this.#handleApiError(error);
    }
  }

  #openFile(file: File): void {
    const sequence = ++this.#loadSequence;
    this.#setSource(`Reading ${file.name}…`);
    file
      .text()
      .then((text) => {
        if (sequence !== this.#loadSequence) return;
        const local = analyzeOtlpText(text);
        this.#activeTrace = null;
        this.#renderTraceList();
        const rejected = local.rejectedSpans > 0 ? `, ${local.rejectedSpans} rejected` : '';
        this.#show(local.analysis, `${file.name} — ${local.spans} spans${rejected}`);
        if (local.errors.length > 0) this.#analysisWarnings(local.errors);
      })
      .catch((error: unknown) => {
        if (sequence !== this.#loadSequence) return;
        this.#showError(`${file.name}: ${error instanceof Error ? error.message : String(error)}`);
      });
  }

  #show(analysis: ViewerAnalysis, label: string): void {
    this.#analysis = analysis;
    this.#setSource(label);
    this.#diagram.setAnalysis(analysis);
    document.body.dataset.loaded = 'true';
    this.#renderPanels();
    if (analysis.warnings.length > 0) this.#analysisWarnings(analysis.warnings);
  }

  #showError(message: string): void {
    this.#analysis = null;
    this.#diagram.setAnalysis(null);
    this.#renderPanels();
    this.#setSource(message);
    byId('source-label').classList.add('error');
  }

  #analysisWarnings(warnings: string[]): void {
    const details = byId('details');
    const list = html('ul', { class: 'warnings' });
    for (const warning of warnings.slice(0, 5)) list.appendChild(html('li', {}, warning));
    details.appendChild(list);
  }

  #setSource(text: string): void {
    const label = byId('source-label');
    label.classList.remove('error');
    label.textContent = text;
    label.title = text;
  }

  #buildLayoutSwitch(): void {
    const container = byId('layout-switch');
    for (const mode of Object.keys(LAYOUT_LABELS) as LayoutMode[]) {
      const button = html('button', { type: 'button', role: 'radio', 'data-mode': mode, class: 'segment' });
      button.textContent = LAYOUT_LABELS[mode];
      button.setAttribute('aria-checked', String(mode === this.#diagram.mode));
      button.addEventListener('click', () => {
        this.#diagram.setMode(mode);
        for (const other of container.querySelectorAll('button')) {
          other.setAttribute('aria-checked', String(other.dataset.mode === mode));
        }
      });
      container.appendChild(button);
    }
    container.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
      const buttons = [...container.querySelectorAll('button')];
      const current = buttons.findIndex((button) => button.getAttribute('aria-checked') === 'true');
      const next =
        buttons[(current + (event.key === 'ArrowRight' ? 1 : buttons.length - 1)) % buttons.length]!;
      next.click();
      next.focus();
    });
  }

  #bindFileInput(): void {
    const input = byId<HTMLInputElement>('file-input');
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (file !== undefined) this.#openFile(file);
      input.value = '';
    });
    const overlay = byId('drop-overlay');
    let depth = 0;
    const hasFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    window.addEventListener('dragenter', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth++;
      overlay.hidden = false;
    });
    window.addEventListener('dragover', (event) => {
      if (hasFiles(event)) event.preventDefault();
    });
    window.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) overlay.hidden = true;
    });
    window.addEventListener('drop', (event) => {
      event.preventDefault();
      depth = 0;
      overlay.hidden = true;
      const file = event.dataTransfer?.files[0];
      if (file !== undefined) this.#openFile(file);
    });
  }

  #select(eventId: string | null): void {
    this.#diagram.highlight(null);
    this.#diagram.select(eventId);
    this.#renderDetails();
    for (const item of byId('anomaly-list').querySelectorAll('button'))
      item.setAttribute('aria-pressed', 'false');
  }

  #renderPanels(): void {
    this.#renderDetails();
    this.#renderAnomalies();
    this.#renderOffsets();
  }

  #renderTraceList(): void {
    const list = byId('trace-list');
    list.replaceChildren();
    byId('more-traces').hidden = this.#nextCursor === null || this.#collector !== 'connected';
    if (this.#collector === 'absent') {
      list.appendChild(
        html(
          'li',
          { class: 'muted' },
          'No collector answers here. Open an OTLP JSON file, or drop one on the page.',
        ),
      );
      return;
    }
    if (this.#traces.length === 0) {
      list.appendChild(
        html('li', { class: 'muted' }, this.#collector === 'connected' ? 'No traces stored yet.' : ''),
      );
      return;
    }
    for (const trace of this.#traces) {
      const item = html('li');
      const link = html('a', {
        href: `#/trace/${trace.traceId}`,
        class: 'trace',
        'data-trace-id': trace.traceId,
      });
      if (trace.traceId === this.#activeTrace) link.setAttribute('aria-current', 'true');
      link.title = `${trace.traceId}, started ${formatClockTime(trace.start)} UTC`;
      const top = html('span', { class: 'trace-top' });
      top.appendChild(
        html('span', { class: 'trace-services' }, trace.services.join(' · ') || '(no service)'),
      );
      if (trace.anomalyCount > 0) {
        top.appendChild(
          html(
            'span',
            { class: 'badge', title: `${trace.anomalyCount} anomalies` },
            String(trace.anomalyCount),
          ),
        );
      }
      link.appendChild(top);
      link.appendChild(
        html(
          'span',
          { class: 'trace-meta' },
          `${trace.traceId.slice(0, 8)} · ${trace.spanCount} spans · ${formatMs(trace.durationMs)} · ${formatClockTime(trace.start).slice(11)}`,
        ),
      );
      item.appendChild(link);
      list.appendChild(item);
    }
  }

  #renderDetails(): void {
    const container = byId('details');
    container.replaceChildren();
    const analysis = this.#analysis;
    const id = this.#diagram.selected;
    const event = id === null ? undefined : analysis?.eventsById.get(id);
    if (analysis === null) {
      container.appendChild(html('p', { class: 'muted' }, 'Nothing loaded.'));
      return;
    }
    if (event === undefined) {
      const summary = html('dl', { class: 'facts' });
      const fact = (name: string, value: string) => {
        summary.appendChild(html('dt', {}, name));
        summary.appendChild(html('dd', {}, value));
      };
      const messages = analysis.edges.filter((edge) => edge.type === 'message' && !edge.dangling).length;
      fact('Events', String(analysis.events.length));
      fact('Nodes', String(analysis.nodes.length));
      fact('Messages', String(messages));
      fact('Consistent', analysis.consistent ? 'yes' : 'no — see anomalies');
      container.appendChild(summary);
      container.appendChild(
        html('p', { class: 'muted' }, 'Select an event to see its causal past and future.'),
      );
      return;
    }
    const index = buildCausalIndex(analysis.edges.filter((edge) => !edge.dangling));
    const past = causalPast(index, event.id).size;
    const future = causalFuture(index, event.id).size;
    const concurrent = analysis.events.length - past - future - 1;
    const offset = analysis.offsets.find((candidate) => candidate.domain === event.domain);
    const correction = Number(event.wallNanos - event.correctedNanos) / 1e6;
    container.appendChild(html('h3', { class: 'event-title' }, event.spanName || event.spanId));
    const facts = html('dl', { class: 'facts' });
    const fact = (name: string, value: string, mono = false) => {
      facts.appendChild(html('dt', {}, name));
      facts.appendChild(html('dd', mono ? { class: 'mono' } : {}, value));
    };
    fact(
      'Event',
      `${event.kind} (${event.id.endsWith(':start') ? 'span start' : 'span end'}, ${spanKindName(event.spanKind)})`,
    );
    fact('Service', event.service);
    fact('Node', event.node, true);
    fact('Host', event.domain, true);
    fact('Lamport clock', event.clock === null ? '— (no Tickline attributes)' : String(event.clock));
    fact('Raw wall time', formatNanos(event.wallNanos), true);
    fact(
      'Corrected',
      `${formatNanos(event.correctedNanos)}${correction === 0 ? '' : ` (${formatMs(-correction, { signed: true })})`}`,
      true,
    );
    if (offset !== undefined && offset.domain !== offset.reference) {
      fact(`Offset vs ${offset.reference}`, formatInterval(offset.lowMs, offset.highMs));
    }
    fact('Span', event.spanId, true);
    fact('Trace', event.traceId, true);
    fact('Causality', `${past} before · ${future} after · ${concurrent} concurrent`);
    const incoming = analysis.edges.find((edge) => edge.type === 'message' && edge.to === event.id);
    const outgoing = analysis.edges.filter((edge) => edge.type === 'message' && edge.from === event.id);
    if (incoming !== undefined) {
      const sender = analysis.eventsById.get(incoming.from);
      fact('Received from', sender === undefined ? incoming.from : `${sender.node} @ ${sender.clock ?? '—'}`);
    }
    for (const edge of outgoing) {
      const receiver = analysis.eventsById.get(edge.to);
      fact('Sent to', receiver === undefined ? edge.to : `${receiver.node} @ ${receiver.clock ?? '—'}`);
    }
    container.appendChild(facts);
  }

  #renderAnomalies(): void {
    const list = byId('anomaly-list');
    list.replaceChildren();
    const anomalies = this.#analysis?.anomalies ?? [];
    byId('anomaly-count').textContent = this.#analysis === null ? '' : String(anomalies.length);
    if (this.#analysis !== null && anomalies.length === 0) {
      list.appendChild(html('li', { class: 'muted' }, 'None: wall-clock order agrees with causal order.'));
    }
    anomalies.forEach((anomaly, position) => {
      const item = html('li');
      const button = html('button', {
        type: 'button',
        class: `anomaly ${anomaly.kind}`,
        'aria-pressed': 'false',
        'data-index': String(position),
      });
      button.appendChild(html('span', { class: 'anomaly-kind' }, anomalyLabel(anomaly.kind)));
      button.appendChild(html('span', { class: 'anomaly-size' }, this.#anomalySize(anomaly)));
      button.appendChild(html('span', { class: 'anomaly-where' }, this.#anomalyWhere(anomaly)));
      button.addEventListener('click', () => {
        const pressed = button.getAttribute('aria-pressed') === 'true';
        for (const other of list.querySelectorAll('button')) other.setAttribute('aria-pressed', 'false');
        this.#diagram.select(null);
        this.#renderDetails();
        this.#diagram.highlight(pressed ? null : { from: anomaly.from, to: anomaly.to });
        button.setAttribute('aria-pressed', String(!pressed));
        if (!pressed) this.#renderAnomalyDetails(anomaly);
      });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  #renderAnomalyDetails(anomaly: ViewerAnomaly): void {
    const container = byId('details');
    container.replaceChildren();
    const analysis = this.#analysis;
    if (analysis === null) return;
    container.appendChild(html('h3', { class: 'event-title anomaly-title' }, anomalyLabel(anomaly.kind)));
    container.appendChild(
      html('p', { class: 'anomaly-explanation' }, ANOMALY_EXPLANATIONS[anomaly.kind] ?? ''),
    );
    const facts = html('dl', { class: 'facts' });
    const fact = (name: string, value: string, mono = false) => {
      facts.appendChild(html('dt', {}, name));
      facts.appendChild(html('dd', mono ? { class: 'mono' } : {}, value));
    };
    fact('Size', this.#anomalySize(anomaly));
    const from = analysis.eventsById.get(anomaly.from);
    const to = analysis.eventsById.get(anomaly.to);
    for (const [name, event, id] of [
      ['From', from, anomaly.from],
      ['To', to, anomaly.to],
    ] as const) {
      fact(
        name,
        event === undefined
          ? id
          : `${event.node} · clock ${event.clock ?? '—'} · ${formatNanos(event.wallNanos).slice(11)}`,
        true,
      );
    }
    if (from !== undefined && to !== undefined && from.domain !== to.domain) {
      const skew = skewBetween(analysis.offsets, from.domain, to.domain);
      if (skew !== null) {
        fact(`θ(${to.domain}) − θ(${from.domain})`, formatInterval(skew.lowMs, skew.highMs));
      }
    }
    if (anomaly.cycle.length > 0) fact('Cycle', anomaly.cycle.join(' → '), true);
    container.appendChild(facts);
  }

  #anomalySize(anomaly: ViewerAnomaly): string {
    if (anomaly.kind === 'clock-condition-violation') {
      return anomaly.clockDelta === null ? '' : `${anomaly.clockDelta} ticks short`;
    }
    return formatMs(anomaly.magnitudeMs);
  }

  #anomalyWhere(anomaly: ViewerAnomaly): string {
    if (anomaly.cycle.length > 0) return `cycle ${anomaly.cycle.join(' → ')}`;
    const events = this.#analysis?.eventsById;
    const from = events?.get(anomaly.from);
    const to = events?.get(anomaly.to);
    if (from === undefined || to === undefined) return `${anomaly.from} → ${anomaly.to}`;
    return from.node === to.node ? `${from.node}: ${from.spanName}` : `${from.node} → ${to.node}`;
  }

  #renderOffsets(): void {
    const container = byId('offsets');
    container.replaceChildren();
    const offsets = this.#analysis?.offsets ?? [];
    if (offsets.length === 0) {
      container.appendChild(
        html('p', { class: 'muted' }, this.#analysis === null ? '' : 'No clock domains.'),
      );
      return;
    }
    container.appendChild(offsetTable(offsets));
  }
}

/** The per-host offsets as a table with one interval bar per row, on a shared scale. */
export function offsetTable(offsets: ViewerOffset[]): HTMLTableElement {
  const table = document.createElement('table');
  table.className = 'offset-table';
  const head = table.createTHead().insertRow();
  for (const name of ['Host', 'Offset θ − θ(ref)', '']) {
    const cell = document.createElement('th');
    cell.scope = 'col';
    cell.textContent = name;
    head.appendChild(cell);
  }
  const values = offsets.flatMap((offset) => [offset.lowMs, offset.highMs, offset.estimateMs]);
  const finite = values.filter((value): value is number => value !== null && Number.isFinite(value));
  let low = Math.min(0, ...finite);
  let high = Math.max(0, ...finite);
  if (high - low < 1) {
    low -= 0.5;
    high += 0.5;
  }
  const pad = (high - low) * 0.08;
  low -= pad;
  high += pad;
  const width = 110;
  const scale = (value: number) => ((value - low) / (high - low)) * width;
  const body = table.createTBody();
  const svgNs = 'http://www.w3.org/2000/svg';
  for (const offset of offsets) {
    const row = body.insertRow();
    row.dataset.domain = offset.domain;
    if (!offset.consistent) row.classList.add('inconsistent');
    const name = row.insertCell();
    name.className = 'mono';
    name.textContent = offset.domain;
    name.title = `nodes: ${offset.nodes.join(', ')}`;
    if (offset.domain === offset.reference) name.appendChild(html('span', { class: 'tag' }, 'reference'));
    const interval = row.insertCell();
    interval.textContent = formatInterval(offset.lowMs, offset.highMs);
    interval.appendChild(
      html('span', { class: 'estimate-text' }, `estimate ${formatMs(offset.estimateMs, { signed: true })}`),
    );
    const barCell = row.insertCell();
    barCell.className = 'bar-cell';
    const svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} 18`);
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('height', '18');
    svg.setAttribute('class', 'offset-bar');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', `interval ${formatInterval(offset.lowMs, offset.highMs)}`);
    const add = (tag: string, attributes: Record<string, string | number>) => {
      const node = document.createElementNS(svgNs, tag);
      for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
      svg.appendChild(node);
    };
    add('line', { x1: scale(0), x2: scale(0), y1: 0, y2: 18, class: 'zero' });
    const from = offset.lowMs === null ? 0 : scale(offset.lowMs);
    const to = offset.highMs === null ? width : scale(offset.highMs);
    add('rect', {
      x: Math.min(from, to),
      y: 5,
      width: Math.max(2, Math.abs(to - from)),
      height: 8,
      rx: 3,
      class: offset.lowMs === null || offset.highMs === null ? 'interval open' : 'interval',
    });
    const estimate = scale(offset.estimateMs);
    add('line', { x1: estimate, x2: estimate, y1: 2, y2: 16, class: 'estimate' });
    barCell.appendChild(svg);
  }
  const foot = table.createTFoot().insertRow();
  const note = foot.insertCell();
  note.colSpan = 3;
  note.textContent = `Proven bounds from every message (host clock = true time + θ), relative to ${offsets[0]?.reference ?? '—'}; scale ${formatMs(low, { signed: true })} … ${formatMs(high, { signed: true })}.`;
  return table;
}
