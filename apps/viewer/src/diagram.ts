/** The space-time diagram, drawn in SVG, with wheel zoom, drag pan and keyboard selection. */
import { buildCausalIndex, type CausalIndex, type CausalRelation, classifyEvents } from './causality';
import { formatInterval, formatMs, formatNanos, spanKindName } from './format';
import {
  computeLayout,
  type DiagramLayout,
  FIT,
  fromPixel,
  type LayoutMode,
  niceTicks,
  toPixel,
  type ViewTransform,
  zoomAt,
} from './layout';
import { skewBetween, type ViewerAnalysis, type ViewerEdge, type ViewerEvent } from './model';

const SVG = 'http://www.w3.org/2000/svg';
const LABEL_WIDTH = 190;
const RIGHT_PAD = 28;
const AXIS_HEIGHT = 34;
const GROUP_HEADER = 24;
const LANE_HEIGHT = 46;
const BOTTOM_PAD = 18;
const DOT_RADIUS = 5.5;

/** Calm, distinguishable service colours (Okabe–Ito based, darkened for contrast on white). */
const SERVICE_COLOURS = [
  '#0b6bb8',
  '#b35900',
  '#007a5e',
  '#8a4f9e',
  '#6b7a00',
  '#b8336a',
  '#4d6a80',
  '#806040',
];

/** What the diagram tells its owner. */
export interface DiagramCallbacks {
  onSelect(eventId: string | null): void;
}

type Attributes = Record<string, string | number | undefined>;

function element<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  parent?: Element,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined) node.setAttribute(name, String(value));
  }
  parent?.appendChild(node);
  return node;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return /[&<>"]/.test(text) ? escapeText(text).replace(/"/g, '&quot;') : text;
}

/** SVG markup for one element; attribute values are escaped, `inner` must already be markup. */
function tag(name: string, attributes: Attributes, inner = ''): string {
  let markup = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    markup += ` ${key}="${typeof value === 'number' ? round(value) : escapeAttribute(value)}"`;
  }
  return `${markup}>${inner}</${name}>`;
}

function title(parent: Element, text: string): void {
  element('title', {}, parent).textContent = text;
}

/** Colour of a service, stable within one analysis (services in lane order). */
export function serviceColours(services: string[]): Map<string, string> {
  return new Map(
    services.map((service, index) => [service, SERVICE_COLOURS[index % SERVICE_COLOURS.length]!]),
  );
}

/** Renders one analysis; keeps its own view state (layout mode, zoom, selection). */
export class SpaceTimeDiagram {
  readonly #host: HTMLElement;
  readonly #svg: SVGSVGElement;
  readonly #callbacks: DiagramCallbacks;
  readonly #tooltip: HTMLDivElement;
  #analysis: ViewerAnalysis | null = null;
  #index: CausalIndex = buildCausalIndex([]);
  #layout: DiagramLayout | null = null;
  #mode: LayoutMode = 'wall';
  #view: ViewTransform = FIT;
  #selected: string | null = null;
  #relations: Map<string, CausalRelation> | null = null;
  #highlight: { from: string; to: string } | null = null;
  #frame = 0;
  #colours = new Map<string, string>();

  constructor(host: HTMLElement, callbacks: DiagramCallbacks) {
    this.#host = host;
    this.#callbacks = callbacks;
    this.#svg = element('svg', { class: 'diagram-svg', role: 'group', 'aria-label': 'Space-time diagram' });
    host.appendChild(this.#svg);
    this.#tooltip = document.createElement('div');
    this.#tooltip.className = 'diagram-tooltip';
    this.#tooltip.hidden = true;
    host.appendChild(this.#tooltip);
    this.#bindInput();
    let observedWidth = -1;
    new ResizeObserver(() => {
      if (host.clientWidth === observedWidth) return;
      observedWidth = host.clientWidth;
      this.#schedule();
    }).observe(host);
  }

  get mode(): LayoutMode {
    return this.#mode;
  }

  get selected(): string | null {
    return this.#selected;
  }

  /** Shows a new analysis: resets zoom, selection and highlight. */
  setAnalysis(analysis: ViewerAnalysis | null): void {
    this.#analysis = analysis;
    this.#index = buildCausalIndex(analysis?.edges.filter((edge) => !edge.dangling) ?? []);
    this.#view = FIT;
    this.#selected = null;
    this.#relations = null;
    this.#highlight = null;
    this.#relayout();
  }

  setMode(mode: LayoutMode): void {
    if (mode === this.#mode) return;
    this.#mode = mode;
    this.#view = FIT;
    this.#relayout();
  }

  /** Selects an event (its causal past and future stay in colour, concurrent events grey out). */
  select(eventId: string | null): void {
    const analysis = this.#analysis;
    this.#selected = eventId !== null && analysis?.eventsById.has(eventId) ? eventId : null;
    this.#relations =
      this.#selected === null || analysis === null
        ? null
        : classifyEvents(
            this.#index,
            analysis.events.map((event) => event.id),
            this.#selected,
          );
    this.#render();
  }

  /** Highlights one edge (an anomaly) and pans it into view. */
  highlight(edge: { from: string; to: string } | null): void {
    if (edge === null && this.#highlight === null) return;
    this.#highlight = edge;
    const layout = this.#layout;
    if (edge !== null && layout !== null) {
      const a = layout.x.get(edge.from);
      const b = layout.x.get(edge.to);
      const width = this.#plotWidth();
      const points = [a, b].filter((value): value is number => value !== undefined);
      if (points.length > 0) {
        const pixels = points.map((value) => toPixel(value, layout, width, this.#view));
        if (Math.min(...pixels) < 0 || Math.max(...pixels) > width) {
          const middle = points.reduce((sum, value) => sum + value, 0) / points.length;
          const centre = toPixel(middle, layout, width, { zoom: this.#view.zoom, pan: 0 });
          this.#view = { zoom: this.#view.zoom, pan: width / 2 - centre };
        }
      }
    }
    this.#render();
  }

  /** Back to the whole diagram. */
  resetView(): void {
    this.#view = FIT;
    this.#render();
  }

  #relayout(): void {
    const analysis = this.#analysis;
    this.#layout = analysis === null ? null : computeLayout(analysis.events, analysis.edges, this.#mode);
    const services: string[] = [];
    for (const lane of this.#layout?.lanes ?? [])
      if (!services.includes(lane.service)) services.push(lane.service);
    this.#colours = serviceColours(services);
    this.#render();
  }

  #plotWidth(): number {
    return Math.max(120, (this.#host.clientWidth || 900) - LABEL_WIDTH - RIGHT_PAD);
  }

  #schedule(): void {
    if (this.#frame !== 0) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#render();
    });
  }

  #bindInput(): void {
    const svg = this.#svg;
    svg.addEventListener(
      'wheel',
      (event) => {
        if (this.#layout === null) return;
        event.preventDefault();
        const factor = Math.exp(-event.deltaY * (event.deltaMode === 1 ? 0.05 : 0.0015));
        const pixel = event.clientX - svg.getBoundingClientRect().left - LABEL_WIDTH;
        this.#view = this.#clamp(zoomAt(this.#view, factor, pixel));
        this.#schedule();
      },
      { passive: false },
    );
    let drag: { x: number; pan: number; moved: boolean } | null = null;
    svg.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      drag = { x: event.clientX, pan: this.#view.pan, moved: false };
    });
    svg.addEventListener('pointermove', (event) => {
      if (drag === null) return;
      const delta = event.clientX - drag.x;
      if (!drag.moved && Math.abs(delta) < 4) return;
      if (!drag.moved) svg.setPointerCapture(event.pointerId);
      drag.moved = true;
      svg.classList.add('dragging');
      this.#view = this.#clamp({ zoom: this.#view.zoom, pan: drag.pan + delta });
      this.#schedule();
    });
    const end = (event: PointerEvent) => {
      if (drag?.moved) {
        svg.classList.remove('dragging');
        if (svg.hasPointerCapture(event.pointerId)) svg.releasePointerCapture(event.pointerId);
        // Swallow the click that ends a drag.
        svg.addEventListener('click', (click) => click.stopPropagation(), { capture: true, once: true });
      }
      drag = null;
    };
    svg.addEventListener('pointerup', end);
    svg.addEventListener('pointercancel', end);
    // One tooltip for everything (a <title> per element is slow with thousands of events).
    svg.addEventListener('pointerover', (event) => {
      const tip = (event.target as Element).closest('[data-tip]')?.getAttribute('data-tip');
      if (tip === undefined || tip === null || drag?.moved) {
        this.#tooltip.hidden = true;
        return;
      }
      this.#tooltip.textContent = tip;
      this.#tooltip.hidden = false;
      const bounds = this.#host.getBoundingClientRect();
      const left = Math.min(event.clientX - bounds.left + 14, bounds.width - this.#tooltip.offsetWidth - 4);
      this.#tooltip.style.left = `${Math.max(4, left)}px`;
      this.#tooltip.style.top = `${event.clientY - bounds.top + 16}px`;
    });
    svg.addEventListener('pointerleave', () => {
      this.#tooltip.hidden = true;
    });
    svg.addEventListener('click', (event) => {
      const target = (event.target as Element).closest('[data-event-id]');
      const id = target?.getAttribute('data-event-id') ?? null;
      this.#callbacks.onSelect(id === this.#selected ? null : id);
    });
    svg.addEventListener('keydown', (event) => {
      const target = (event.target as Element).closest('[data-event-id]');
      if (target !== null && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        const id = target.getAttribute('data-event-id');
        this.#callbacks.onSelect(id === this.#selected ? null : id);
        return;
      }
      const width = this.#plotWidth();
      if (event.key === '+' || event.key === '=')
        this.#view = this.#clamp(zoomAt(this.#view, 1.5, width / 2));
      else if (event.key === '-') this.#view = this.#clamp(zoomAt(this.#view, 1 / 1.5, width / 2));
      else if (event.key === 'ArrowLeft')
        this.#view = this.#clamp({ ...this.#view, pan: this.#view.pan + width / 8 });
      else if (event.key === 'ArrowRight')
        this.#view = this.#clamp({ ...this.#view, pan: this.#view.pan - width / 8 });
      else if (event.key === '0') this.#view = FIT;
      else if (event.key === 'Escape') this.#callbacks.onSelect(null);
      else return;
      event.preventDefault();
      this.#schedule();
    });
  }

  /** Keeps some of the diagram on screen. */
  #clamp(view: ViewTransform): ViewTransform {
    const width = this.#plotWidth();
    const span = width * view.zoom;
    const pan = Math.min(width * 0.5, Math.max(width * 0.5 - span, view.pan));
    return { zoom: view.zoom, pan: view.zoom === 1 && Math.abs(pan) < 1 ? 0 : pan };
  }

  #render(): void {
    const svg = this.#svg;
    svg.replaceChildren();
    const analysis = this.#analysis;
    const layout = this.#layout;
    if (analysis === null || layout === null || analysis.events.length === 0) {
      svg.setAttribute('width', '100%');
      svg.setAttribute('height', '120');
      element('text', { x: 24, y: 64, class: 'empty' }, svg).textContent =
        analysis === null ? 'Pick a trace, or open an OTLP JSON file.' : 'This analysis has no events.';
      return;
    }
    const width = this.#plotWidth();
    const totalWidth = LABEL_WIDTH + width + RIGHT_PAD;
    const laneY: number[] = [];
    let y = AXIS_HEIGHT;
    for (const lane of layout.lanes) {
      if (lane.firstOfService) y += GROUP_HEADER;
      laneY.push(y + LANE_HEIGHT / 2);
      y += LANE_HEIGHT;
    }
    const height = y + BOTTOM_PAD;
    svg.setAttribute('viewBox', `0 0 ${totalWidth} ${height}`);
    svg.setAttribute('width', String(totalWidth));
    svg.setAttribute('height', String(height));
    svg.dataset.mode = layout.mode;
    svg.dataset.zoom = String(Math.round(this.#view.zoom * 1000) / 1000);
    svg.classList.toggle('has-selection', this.#selected !== null);

    const defs = element('defs', {}, svg);
    const clip = element('clipPath', { id: 'plot-clip' }, defs);
    element('rect', { x: LABEL_WIDTH - 8, y: 0, width: width + 16, height }, clip);
    for (const [name, colour] of [
      ['arrow', '#4a5560'],
      ['arrow-backwards', '#c62828'],
      ['arrow-past', '#0b6bb8'],
      ['arrow-future', '#b35900'],
      ['arrow-muted', '#c3c8ce'],
    ] as const) {
      const marker = element(
        'marker',
        {
          id: name,
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto-start-reverse',
        },
        defs,
      );
      element('path', { d: 'M0,1 L10,5 L0,9 z', fill: colour }, marker);
    }

    const x = (id: string): number | undefined => {
      const value = layout.x.get(id);
      return value === undefined ? undefined : LABEL_WIDTH + toPixel(value, layout, width, this.#view);
    };
    const laneOf = (event: ViewerEvent): number => laneY[layout.laneOfNode.get(event.node) ?? 0]!;
    const relation = (id: string): CausalRelation | undefined => this.#relations?.get(id);

    this.#drawAxis(svg, layout, width, height);

    // Lane labels and service headers.
    const labels = element('g', { class: 'labels' }, svg);
    for (const lane of layout.lanes) {
      const laneCentre = laneY[lane.index]!;
      const colour = this.#colours.get(lane.service) ?? '#444';
      if (lane.firstOfService) {
        const header = element('g', { class: 'service-header' }, labels);
        element(
          'rect',
          { x: 12, y: laneCentre - LANE_HEIGHT / 2 - 15, width: 10, height: 10, rx: 2, fill: colour },
          header,
        );
        element(
          'text',
          { x: 28, y: laneCentre - LANE_HEIGHT / 2 - 6, class: 'service-name' },
          header,
        ).textContent = lane.service;
        element(
          'line',
          {
            x1: 12,
            x2: totalWidth - 12,
            y1: laneCentre - LANE_HEIGHT / 2 - 1,
            y2: laneCentre - LANE_HEIGHT / 2 - 1,
            class: 'group-rule',
          },
          header,
        );
      }
      const group = element(
        'g',
        { class: 'lane', 'data-node': lane.node, 'data-service': lane.service },
        labels,
      );
      const short = lane.node.length > 26 ? `${lane.node.slice(0, 25)}…` : lane.node;
      element('text', { x: 28, y: laneCentre - 2, class: 'lane-node' }, group).textContent = short;
      element('text', { x: 28, y: laneCentre + 12, class: 'lane-domain' }, group).textContent =
        `host ${lane.domain}`;
      title(group, `${lane.node} — service ${lane.service}, clock domain ${lane.domain}`);
      element(
        'line',
        {
          x1: LABEL_WIDTH - 8,
          x2: LABEL_WIDTH + width + 8,
          y1: laneCentre,
          y2: laneCentre,
          class: 'lane-line',
        },
        group,
      );
    }

    // The plot is built as one markup string: with thousands of events this is several times faster
    // than creating the elements one by one. Everything outside the visible range is left out.
    const plot = element('g', { class: 'plot', 'clip-path': 'url(#plot-clip)' }, svg);
    const left = LABEL_WIDTH - 24;
    const right = LABEL_WIDTH + width + 24;
    const offscreen = (a: number, b: number) => (a < left && b < left) || (a > right && b > right);
    const spans: string[] = [];
    const process: string[] = [];
    const messages: string[] = [];
    const messageLabels: string[] = [];
    const dots: string[] = [];

    // Spans as faint bars along their lane (start → end on one node).
    for (const event of analysis.events) {
      if (!event.id.endsWith(':start')) continue;
      const end = analysis.eventsById.get(`${event.spanId}:end`);
      const x1 = x(event.id);
      const x2 = end === undefined ? undefined : x(end.id);
      if (end === undefined || x1 === undefined || x2 === undefined || end.node !== event.node) continue;
      if (offscreen(x1, x2)) continue;
      const muted =
        this.#relations !== null && relation(event.id) === 'concurrent' && relation(end.id) === 'concurrent';
      const from = Math.max(left, Math.min(x1, x2));
      const to = Math.min(right, Math.max(x1, x2));
      spans.push(
        tag('rect', {
          x: from,
          y: laneOf(event) - 4,
          width: Math.max(1, to - from),
          height: 8,
          rx: 4,
          class: muted ? 'span-bar concurrent' : 'span-bar',
          fill: this.#colours.get(event.service),
          'data-tip': `${event.spanName} (${spanKindName(event.spanKind)})`,
        }),
      );
    }

    // Process order: a step backwards along a lane (wall clock regression) is drawn in red.
    for (const edge of analysis.edges) {
      if (edge.type !== 'process') continue;
      const a = x(edge.from);
      const b = x(edge.to);
      const from = analysis.eventsById.get(edge.from);
      if (a === undefined || b === undefined || from === undefined || offscreen(a, b)) continue;
      const laneCentre = laneOf(from);
      if (this.#highlight?.from === edge.from && this.#highlight.to === edge.to) {
        process.push(tag('line', { x1: a, y1: laneCentre, x2: b, y2: laneCentre, class: 'message-halo' }));
      }
      if (b >= a) continue;
      process.push(
        tag('path', {
          d: `M${round(a)},${laneCentre} C${round(a)},${laneCentre - 22} ${round(b)},${laneCentre - 22} ${round(b)},${laneCentre}`,
          class: 'process-regression',
          'data-from': edge.from,
          'data-to': edge.to,
        }),
      );
    }

    // Messages.
    for (const edge of analysis.edges) {
      if (edge.type !== 'message' || edge.dangling) continue;
      this.#drawMessage(messages, messageLabels, edge, analysis, x, laneOf, relation, offscreen);
    }
    for (const dangling of analysis.dangling) {
      const to = analysis.eventsById.get(dangling.to);
      const b = x(dangling.to);
      if (to === undefined || b === undefined || offscreen(b, b)) continue;
      const laneCentre = laneOf(to);
      messages.push(
        tag('line', {
          x1: b - 26,
          y1: laneCentre - 22,
          x2: b - DOT_RADIUS,
          y2: laneCentre - 2,
          class: 'message dangling',
          'marker-end': 'url(#arrow)',
          'data-tip': `Message from ${dangling.senderNode} at clock ${dangling.senderClock ?? '?'}: its send was not exported`,
        }),
      );
    }

    // Events, left to right so that clock labels too close to the previous one are left out.
    const lastLabelX = new Map<string, number>();
    const placed: { event: ViewerEvent; cx: number }[] = [];
    for (const event of analysis.events) {
      const cx = x(event.id);
      if (cx !== undefined && !offscreen(cx, cx)) placed.push({ event, cx });
    }
    placed.sort((a, b) => a.cx - b.cx);
    const crowded = placed.length > 1500;
    for (const { event, cx } of placed) {
      const related = relation(event.id);
      const classes = ['event', event.kind];
      if (related !== undefined) classes.push(related);
      const cy = laneOf(event);
      const colour = this.#colours.get(event.service) ?? '#444';
      // A larger invisible target when there is room for it.
      let inner = crowded ? '' : tag('rect', { x: cx - 10, y: cy - 11, width: 20, height: 36, class: 'hit' });
      if (related === 'selected')
        inner += tag('circle', { cx, cy, r: DOT_RADIUS + 5, class: 'selection-ring' });
      inner += tag('circle', {
        cx,
        cy,
        r: DOT_RADIUS,
        class: 'dot',
        fill: event.kind === 'local' ? '#fff' : colour,
        stroke: colour,
      });
      const lastLabel = lastLabelX.get(event.node);
      if (
        event.clock !== null &&
        (lastLabel === undefined || Math.abs(cx - lastLabel) >= 16 || related === 'selected')
      ) {
        lastLabelX.set(event.node, cx);
        inner += tag('text', { x: cx, y: cy + 19, class: 'clock-label' }, String(event.clock));
      }
      dots.push(
        tag(
          'g',
          {
            class: classes.join(' '),
            'data-event-id': event.id,
            'data-node': event.node,
            tabindex: 0,
            role: 'button',
            'aria-label': `${event.kind} ${event.spanName} on ${event.node}, clock ${event.clock ?? 'none'}`,
            'aria-pressed': related === 'selected' ? 'true' : 'false',
            'data-tip': `${event.spanName} · ${event.kind} · ${event.node} · clock ${event.clock ?? '—'}`,
          },
          inner,
        ),
      );
    }
    plot.innerHTML =
      tag('g', { class: 'spans' }, spans.join('')) +
      tag('g', { class: 'process-edges' }, process.join('')) +
      tag('g', { class: 'messages' }, messages.join('')) +
      tag('g', { class: 'message-labels' }, messageLabels.join('')) +
      tag('g', { class: 'events' }, dots.join(''));
  }

  #drawAxis(svg: SVGSVGElement, layout: DiagramLayout, width: number, height: number): void {
    const axis = element('g', { class: 'axis' }, svg);
    const low = fromPixel(0, layout, width, this.#view);
    const high = fromPixel(width, layout, width, this.#view);
    const ticks = niceTicks(low, high, Math.max(2, Math.floor(width / 110)));
    const lamport = layout.unit === 'tick';
    for (const value of lamport ? ticks.filter(Number.isInteger) : ticks) {
      const px = LABEL_WIDTH + toPixel(value, layout, width, this.#view);
      if (px < LABEL_WIDTH - 1 || px > LABEL_WIDTH + width + 1) continue;
      element('line', { x1: px, x2: px, y1: AXIS_HEIGHT - 6, y2: height - BOTTOM_PAD, class: 'grid' }, axis);
      element('text', { x: px, y: AXIS_HEIGHT - 12, class: 'tick' }, axis).textContent = lamport
        ? `#${value}`
        : formatMs(value, { signed: value !== 0 });
    }
    const heading = element('text', { x: 12, y: AXIS_HEIGHT - 12, class: 'axis-title' }, axis);
    heading.textContent = lamport
      ? 'Lamport order →'
      : layout.mode === 'corrected'
        ? 'Corrected time →'
        : 'Wall clock →';
    if (!lamport) title(heading, `0 ms = ${formatNanos(layout.originNanos)}`);
  }

  #drawMessage(
    layer: string[],
    labels: string[],
    edge: ViewerEdge,
    analysis: ViewerAnalysis,
    x: (id: string) => number | undefined,
    laneOf: (event: ViewerEvent) => number,
    relation: (id: string) => CausalRelation | undefined,
    offscreen: (a: number, b: number) => boolean,
  ): void {
    const from = analysis.eventsById.get(edge.from);
    const to = analysis.eventsById.get(edge.to);
    const x1 = x(edge.from);
    const x2 = x(edge.to);
    if (from === undefined || to === undefined || x1 === undefined || x2 === undefined) return;
    if (offscreen(x1, x2)) return;
    const y1 = laneOf(from);
    const y2 = laneOf(to);
    const length = Math.hypot(x2 - x1, y2 - y1) || 1;
    const trim = (DOT_RADIUS + 2) / length;
    const start = { x: x1 + (x2 - x1) * trim, y: y1 + (y2 - y1) * trim };
    const end = { x: x2 - (x2 - x1) * trim, y: y2 - (y2 - y1) * trim };
    let state = 'plain';
    if (this.#relations !== null) {
      const a = relation(edge.from);
      const b = relation(edge.to);
      if ((a === 'past' || a === 'selected') && (b === 'past' || b === 'selected')) state = 'past';
      else if ((a === 'future' || a === 'selected') && (b === 'future' || b === 'selected')) state = 'future';
      else state = 'concurrent';
    }
    const highlighted = this.#highlight?.from === edge.from && this.#highlight.to === edge.to;
    const classes = ['message'];
    if (edge.backwards) classes.push('backwards');
    if (edge.fallback) classes.push('fallback');
    if (state !== 'plain') classes.push(state);
    if (highlighted) classes.push('highlighted');
    const marker =
      state === 'concurrent'
        ? 'arrow-muted'
        : edge.backwards
          ? 'arrow-backwards'
          : state === 'past'
            ? 'arrow-past'
            : state === 'future'
              ? 'arrow-future'
              : 'arrow';
    if (highlighted) {
      layer.push(tag('line', { x1: start.x, y1: start.y, x2: end.x, y2: end.y, class: 'message-halo' }));
    }
    const delay = edge.delayMs === null ? '' : ` · wall delay ${formatMs(edge.delayMs, { signed: true })}`;
    const skew = edge.backwards ? skewBetween(analysis.offsets, from.domain, to.domain) : null;
    const bound =
      skew === null || from.domain === to.domain
        ? ''
        : `θ(${to.domain}) − θ(${from.domain}) ∈ ${formatInterval(skew.lowMs, skew.highMs)}`;
    const description = `${from.node} → ${to.node}${delay}${
      edge.backwards ? ' · received before it was sent (clock skew)' : ''
    }${bound === '' ? '' : ` · ${bound}`}`;
    layer.push(
      tag('line', {
        x1: start.x,
        y1: start.y,
        x2: end.x,
        y2: end.y,
        class: classes.join(' '),
        'marker-end': `url(#${marker})`,
        'data-from': edge.from,
        'data-to': edge.to,
        'data-backwards': edge.backwards ? 'true' : 'false',
        'data-tip': description,
      }),
    );
    if (edge.backwards && state !== 'concurrent') {
      const magnitude = edge.delayMs === null ? '' : `${formatMs(Math.abs(edge.delayMs))} backwards`;
      const lines = [magnitude, bound].filter((part) => part !== '');
      const midX = (start.x + end.x) / 2;
      const midY = (start.y + end.y) / 2;
      const spans = lines
        .map((part, index) => tag('tspan', { x: midX + 8, dy: index === 0 ? 0 : 14 }, escapeText(part)))
        .join('');
      labels.push(tag('g', { class: 'backwards-label' }, tag('text', { x: midX + 8, y: midY - 4 }, spans)));
    }
  }
}
