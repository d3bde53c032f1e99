/**
 * A picture of a synthesized CloudWatch dashboard's layout: each widget where CloudWatch puts it
 * (24 columns), with its title and what it shows. No AWS account renders the dashboard here, so
 * docs/operations.md shows this instead; scripts/dashboard-picture.ts writes it to docs/dashboard.svg.
 */

/** One widget of a dashboard body, as CloudWatch's dashboard body structure defines it. */
export interface DashboardWidget {
  /** `metric`, `text` or `alarm` for the widgets the vendor's dashboard uses. */
  readonly type: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly properties: {
    readonly title?: string;
    readonly view?: string;
    readonly markdown?: string;
    readonly alarms?: string[];
    readonly metrics?: unknown[][];
    readonly annotations?: { horizontal?: { label?: string; value: number }[] };
  };
}

export interface DashboardBody {
  readonly widgets: DashboardWidget[];
}

type TemplateValue = string | { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, TemplateValue[]] };

/**
 * The dashboard body of a template's only AWS::CloudWatch::Dashboard, parsed. CloudFormation
 * references in it (`Ref`, `Fn::GetAtt`) become `${Ref:Name}` / `${GetAtt:Name.Attribute}`.
 */
export function dashboardBodyOf(template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }): DashboardBody {
  const dashboards = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Dashboard');
  if (dashboards.length !== 1) throw new Error(`expected one dashboard in the template, found ${dashboards.length}`);
  return JSON.parse(flatten(dashboards[0]!.Properties!.DashboardBody as TemplateValue)) as DashboardBody;
}

function flatten(value: TemplateValue): string {
  if (typeof value === 'string') return value;
  if (value.Ref !== undefined) return `\${Ref:${value.Ref}}`;
  if (value['Fn::GetAtt'] !== undefined) return `\${GetAtt:${value['Fn::GetAtt'].join('.')}}`;
  if (value['Fn::Join'] !== undefined) return value['Fn::Join'][1].map(flatten).join(value['Fn::Join'][0]);
  throw new Error(`unexpected CloudFormation expression in the dashboard body: ${JSON.stringify(value)}`);
}

/** What a widget shows, one line each: metric labels, alarm names, annotations. */
export function widgetLines(widget: DashboardWidget, alarmNames: (arn: string) => string): string[] {
  const { properties } = widget;
  if (widget.type === 'text') return (properties.markdown ?? '').split('\n').slice(1);
  if (widget.type === 'alarm') return (properties.alarms ?? []).map(alarmNames);
  const metrics = (properties.metrics ?? []).map((row) => {
    const options = (row.at(-1) ?? {}) as { label?: string; expression?: string; stat?: string; yAxis?: string };
    const name = typeof row[1] === 'string' && typeof row[0] === 'string' ? row[1] : 'expression';
    if (options.expression !== undefined) return `SEARCH: ${/MetricName="([^"]+)"/.exec(options.expression)?.[1] ?? 'metrics'}, one line per bucket`;
    return `${options.label ?? name} (${name}, ${options.stat ?? ''}${options.yAxis === 'right' ? ', right axis' : ''})`;
  });
  const annotations = (properties.annotations?.horizontal ?? []).map((line) => `--- ${line.label ?? 'line'} at ${line.value}`);
  return [...metrics, ...annotations];
}

const COLUMN = 54;
const ROW = 30;
const MARGIN = 16;
const TITLE_FONT = 13;
const LINE_FONT = 11;
// A conservative width per character of the sans-serif fonts at LINE_FONT, to cut lines that would overflow.
const CHARACTER = 6.2;
const ALARM_COLUMN = 330;
const KIND_COLOURS: Record<string, string> = { text: '#f4f4f4', alarm: '#fdecea', singleValue: '#eef6ee', timeSeries: '#eaf2fb' };

/** The layout as an SVG document: one box per widget, to scale. */
export function renderDashboardSvg(body: DashboardBody, heading: string, alarmNames: (arn: string) => string): string {
  const bottom = Math.max(...body.widgets.map((widget) => widget.y + widget.height));
  const width = 24 * COLUMN + 2 * MARGIN;
  const height = bottom * ROW + 2 * MARGIN + 24;
  const boxes = body.widgets.map((widget) => box(widget, alarmNames));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${MARGIN}" y="${MARGIN + 8}" font-size="${TITLE_FONT + 1}" font-weight="bold" fill="#222">${escape(heading)}</text>`,
    ...boxes,
    '</svg>',
    '',
  ].join('\n');
}

function box(widget: DashboardWidget, alarmNames: (arn: string) => string): string {
  const x = MARGIN + widget.x * COLUMN + 3;
  const y = MARGIN + 24 + widget.y * ROW + 3;
  const w = widget.width * COLUMN - 6;
  const h = widget.height * ROW - 6;
  const kind = widget.type === 'metric' ? (widget.properties.view ?? 'timeSeries') : widget.type;
  const title = widget.properties.title ?? (widget.properties.markdown ?? '').split('\n')[0]!.replace(/^#+\s*/, '').replace(/`/g, '');
  // Alarm names side by side, as CloudWatch's alarm status widget lays them out.
  const columns = widget.type === 'alarm' ? Math.max(1, Math.floor(w / ALARM_COLUMN)) : 1;
  const columnWidth = (w - 16) / columns;
  const fits = Math.floor((columnWidth - 8) / CHARACTER);
  const rows = Math.max(0, Math.floor((h - 30) / (LINE_FONT + 4)));
  const lines = widgetLines(widget, alarmNames);
  const capacity = rows * columns;
  const shown = lines.length > capacity ? [...lines.slice(0, capacity - 1), `... and ${lines.length - capacity + 1} more`] : lines;
  return [
    `<g>`,
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4" fill="${KIND_COLOURS[kind] ?? '#ffffff'}" stroke="#9aa5b1"/>`,
    `<text x="${x + 8}" y="${y + 18}" font-size="${TITLE_FONT}" font-weight="bold" fill="#1f2933">${escape(cut(title, Math.floor((w - 70) / 7)))}</text>`,
    `<text x="${x + w - 8}" y="${y + 18}" font-size="${LINE_FONT - 1}" text-anchor="end" fill="#616e7c">${escape(kindName(kind))}</text>`,
    ...shown.map((line, index) => {
      const lineX = x + 10 + (index % columns) * columnWidth;
      const lineY = y + 36 + Math.floor(index / columns) * (LINE_FONT + 4);
      return `<text x="${Math.round(lineX)}" y="${lineY}" font-size="${LINE_FONT}" fill="#323f4b">${escape(cut(line, fits))}</text>`;
    }),
    `</g>`,
  ].join('\n');
}

function kindName(kind: string): string {
  return { timeSeries: 'graph', singleValue: 'numbers', alarm: 'alarm status', text: 'text' }[kind] ?? kind;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 3))}...`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
