//! Page layout: everything is placed first as drawing operations on pages, so that the page
//! count is known before anything is drawn ("第 X 页 / 共 Y 页").

use super::text::{Line, Shaper};
use crate::report::ReportError;

/// A4 landscape, in points.
pub(crate) const PAGE_W: f32 = 841.89;
/// A4 landscape height, in points.
pub(crate) const PAGE_H: f32 = 595.28;
/// Left and right margin.
pub(crate) const MARGIN_X: f32 = 36.0;
/// Top margin.
pub(crate) const MARGIN_TOP: f32 = 36.0;
/// Lowest y of content (the footer lies below).
pub(crate) const CONTENT_BOTTOM: f32 = PAGE_H - 42.0;
/// Width of the content area.
pub(crate) const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

/// White.
pub(crate) const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
/// Text colour.
pub(crate) const INK: Rgb = Rgb(0x22, 0x22, 0x22);
/// Secondary text.
pub(crate) const GREY: Rgb = Rgb(0x66, 0x66, 0x66);
/// Table rules.
pub(crate) const RULE: Rgb = Rgb(0xbb, 0xbb, 0xbb);
/// Header background.
pub(crate) const HEAD_BG: Rgb = Rgb(0xe8, 0xec, 0xf1);
/// Section heading colour.
pub(crate) const ACCENT: Rgb = Rgb(0x1f, 0x4e, 0x79);
/// Bars of unmet regions.
pub(crate) const WARN: Rgb = Rgb(0xd9, 0x53, 0x4f);
/// Bars of met regions.
pub(crate) const OK: Rgb = Rgb(0x5c, 0xb8, 0x5c);
/// Background of unmet cells.
pub(crate) const WARN_BG: Rgb = Rgb(0xf6, 0xdc, 0xdb);
/// Background of met cells.
pub(crate) const OK_BG: Rgb = Rgb(0xdf, 0xf0, 0xd8);
/// Background of no-data cells.
pub(crate) const NODATA_BG: Rgb = Rgb(0xf0, 0xf0, 0xf0);

/// One drawing operation.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// A shaped line with its baseline at `y`.
    Text {
        x: f32,
        y: f32,
        size: f32,
        line: Line,
        color: Rgb,
    },
    /// A filled rectangle.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
    },
    /// A straight line.
    Stroke {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
        dashed: bool,
    },
    /// A joined line through points.
    Polyline {
        points: Vec<(f32, f32)>,
        width: f32,
        color: Rgb,
    },
    /// A filled circle.
    Circle { x: f32, y: f32, r: f32, fill: Rgb },
    /// Start of marked content: leaf `id` of the structure tree ([`Pages::tree`]); `text`
    /// for a line of text (a Span), else graphics (of a figure).
    Begin { id: usize, text: bool },
    /// Start of an artifact: content outside the logical structure (rules, cell
    /// backgrounds, a repeated table header).
    Artifact,
    /// End of the marked content or artifact begun last.
    End,
}

/// The kind of a structure element of the tagged PDF.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A section heading (H1) with its title.
    Heading(String),
    /// A paragraph.
    P,
    /// A table, its header and body, a row, a header cell and a data cell.
    Table,
    THead,
    TBody,
    TR,
    TH,
    TD,
    /// A figure (a chart) with its alternative text.
    Figure(String),
}

/// A node of the structure tree: an element with children, or a leaf of marked content
/// (the `id` of an [`Op::Begin`]).
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Group(Kind, Vec<Node>),
    Leaf(usize),
}

/// A bookmark: title, page index and y of the section start.
#[derive(Debug, Clone)]
pub(crate) struct Mark {
    pub title: String,
    pub page: usize,
    pub y: f32,
    /// Sub-entries (title, page, y).
    pub children: Vec<(String, usize, f32)>,
}

/// Horizontal alignment in a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A table cell before layout.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub text: String,
    pub fill: Option<Rgb>,
    pub color: Rgb,
    pub align: Align,
}

impl Cell {
    /// A plain left-aligned cell.
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            fill: None,
            color: INK,
            align: Align::Left,
        }
    }

    /// Right-aligned (numbers).
    pub fn right(mut self) -> Cell {
        self.align = Align::Right;
        self
    }

    /// With a background.
    pub fn fill(mut self, fill: Option<Rgb>) -> Cell {
        self.fill = fill;
        self
    }

    /// With a text colour.
    pub fn color(mut self, color: Rgb) -> Cell {
        self.color = color;
        self
    }
}

/// A table before layout: column widths, header, rows.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub widths: Vec<f32>,
    pub header: Vec<Cell>,
    pub rows: Vec<Vec<Cell>>,
    pub size: f32,
    /// What the table shows, for error messages ("目标汇总").
    pub context: String,
}

/// One bar of a chart.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub label: String,
    pub value: f64,
    pub value_text: String,
    pub met: bool,
}

/// A horizontal bar chart against a required value.
#[derive(Debug, Clone)]
pub(crate) struct Chart {
    pub title: String,
    pub bars: Vec<Bar>,
    pub required: Option<f64>,
    pub required_text: String,
    /// A line under the bars (e.g. the cities without data).
    pub note: String,
}

/// Cell padding.
const PAD: f32 = 3.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.3;
/// At most this many lines per cell (a cell never outgrows a page).
const MAX_CELL_LINES: usize = 24;

/// The pages being laid out.
pub(crate) struct Pages<'s, 'f> {
    pub shaper: &'s Shaper<'f>,
    pub pages: Vec<Vec<Op>>,
    pub marks: Vec<Mark>,
    /// Top of the free space on the current page.
    pub y: f32,
    /// The structure tree: the document's top-level elements in reading order.
    pub tree: Vec<Node>,
    /// Elements open (innermost last), with the children gathered so far.
    open: Vec<(Kind, Vec<Node>)>,
    /// Leaves created so far (the next leaf's id).
    pub leaves: usize,
    /// Draw everything as artifacts (a repeated table header).
    artifact: bool,
}

impl<'s, 'f> Pages<'s, 'f> {
    /// One empty page.
    pub fn new(shaper: &'s Shaper<'f>) -> Self {
        Pages {
            shaper,
            pages: vec![Vec::new()],
            marks: Vec::new(),
            y: MARGIN_TOP,
            tree: Vec::new(),
            open: Vec::new(),
            leaves: 0,
            artifact: false,
        }
    }

    /// Open a structure element; what is drawn until [`Pages::close`] belongs to it.
    pub fn open(&mut self, kind: Kind) {
        self.open.push((kind, Vec::new()));
    }

    /// Close the innermost open element (an element without content is dropped).
    pub fn close(&mut self) {
        if let Some((kind, children)) = self.open.pop() {
            if children.is_empty() {
                return;
            }
            let node = Node::Group(kind, children);
            match self.open.last_mut() {
                Some((_, parent)) => parent.push(node),
                None => self.tree.push(node),
            }
        }
    }

    /// A new leaf in the innermost open element (in a paragraph of its own at the top).
    fn leaf(&mut self) -> usize {
        let id = self.leaves;
        self.leaves += 1;
        match self.open.last_mut() {
            Some((_, children)) => children.push(Node::Leaf(id)),
            None => self.tree.push(Node::Group(Kind::P, vec![Node::Leaf(id)])),
        }
        id
    }

    /// Push a drawing operation as content (text, or the graphics of an open figure) or
    /// as an artifact.
    fn push_op(&mut self, op: Op) {
        let text = matches!(op, Op::Text { .. });
        let in_figure = self.open.iter().any(|(k, _)| matches!(k, Kind::Figure(_)));
        if self.artifact || !(text || in_figure) {
            let page = self.page();
            page.push(Op::Artifact);
            page.push(op);
            page.push(Op::End);
        } else {
            let id = self.leaf();
            let page = self.page();
            page.push(Op::Begin { id, text });
            page.push(op);
            page.push(Op::End);
        }
    }

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Index of the current page.
    pub(crate) fn page_index(&self) -> usize {
        self.pages.len().saturating_sub(1)
    }

    /// Start a new page.
    pub(crate) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    /// Make sure `h` points fit below the cursor, else start a new page.
    pub(crate) fn need(&mut self, h: f32) {
        if self.y + h > CONTENT_BOTTOM && self.y > MARGIN_TOP + 0.5 {
            self.new_page();
        }
    }

    /// Vertical space.
    pub fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// Place a shaped line with its top at `top`.
    pub(crate) fn text_at(&mut self, x: f32, top: f32, size: f32, line: Line, color: Rgb) {
        // Noto Sans SC: ascender 0.88 em; the baseline sits about 0.88 em below the top.
        let y = top + size * 0.88;
        self.push_op(Op::Text {
            x,
            y,
            size,
            line,
            color,
        });
    }

    /// A rectangle.
    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        if w > 0.0 && h > 0.0 {
            self.push_op(Op::Rect { x, y, w, h, fill });
        }
    }

    /// A line.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn stroke(
        &mut self,
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: Rgb,
        dashed: bool,
    ) {
        self.push_op(Op::Stroke {
            x1,
            y1,
            x2,
            y2,
            width,
            color,
            dashed,
        });
    }

    /// A joined line through `points` (nothing for fewer than two).
    pub(crate) fn polyline(&mut self, points: Vec<(f32, f32)>, width: f32, color: Rgb) {
        if points.len() >= 2 {
            self.push_op(Op::Polyline {
                points,
                width,
                color,
            });
        }
    }

    /// A filled circle.
    pub(crate) fn circle(&mut self, x: f32, y: f32, r: f32, fill: Rgb) {
        if r > 0.0 {
            self.push_op(Op::Circle { x, y, r, fill });
        }
    }

    /// A section heading with a bookmark.
    pub fn heading(&mut self, title: &str) -> Result<(), ReportError> {
        // Keep the heading with some of what follows.
        self.need(90.0);
        if self.y > MARGIN_TOP + 0.5 {
            self.gap(10.0);
        }
        let page = self.page_index();
        self.marks.push(Mark {
            title: title.to_string(),
            page,
            y: self.y,
            children: Vec::new(),
        });
        let line = self.shaper.shape(title, title)?;
        let top = self.y;
        self.open(Kind::Heading(title.to_string()));
        self.text_at(MARGIN_X, top, 14.0, line, ACCENT);
        self.close();
        self.y += 14.0 * LEADING + 2.0;
        let y = self.y;
        self.stroke(MARGIN_X, y, MARGIN_X + CONTENT_W, y, 0.8, ACCENT, false);
        self.y += 6.0;
        Ok(())
    }

    /// A sub-entry of the last bookmark at the cursor.
    pub(crate) fn sub_mark(&mut self, title: &str) {
        let (page, y) = (self.page_index(), self.y);
        if let Some(m) = self.marks.last_mut() {
            m.children.push((title.to_string(), page, y));
        }
    }

    /// A wrapped paragraph over the content width (or `width` from `x`).
    pub(crate) fn paragraph(
        &mut self,
        text: &str,
        size: f32,
        color: Rgb,
        context: &str,
    ) -> Result<(), ReportError> {
        self.paragraph_at(MARGIN_X, CONTENT_W, text, size, color, context)
    }

    /// A wrapped paragraph at `x`, `width` wide.
    pub(crate) fn paragraph_at(
        &mut self,
        x: f32,
        width: f32,
        text: &str,
        size: f32,
        color: Rgb,
        context: &str,
    ) -> Result<(), ReportError> {
        self.open(Kind::P);
        for line in self.shaper.wrap(text, size, width, context)? {
            self.need(size * LEADING);
            let top = self.y;
            self.text_at(x, top, size, line, color);
            self.y += size * LEADING;
        }
        self.close();
        Ok(())
    }

    /// A table; the header row is repeated at the top of every page it runs onto.
    pub fn table(&mut self, t: &Table) -> Result<(), ReportError> {
        let size = t.size;
        let lh = size * LEADING;
        let wrap_row = |cells: &[Cell]| -> Result<(Vec<Vec<Line>>, f32), ReportError> {
            let mut out = Vec::new();
            let mut lines_max = 1usize;
            for (cell, w) in cells.iter().zip(&t.widths) {
                let mut lines = self
                    .shaper
                    .wrap(&cell.text, size, w - 2.0 * PAD, &t.context)?;
                if lines.len() > MAX_CELL_LINES {
                    lines.truncate(MAX_CELL_LINES);
                    if let Some(last) = lines.last_mut() {
                        let mut text = last.text.clone();
                        text.pop();
                        text.push('…');
                        *last = self.shaper.shape(&text, &t.context)?;
                    }
                }
                lines_max = lines_max.max(lines.len());
                out.push(lines);
            }
            Ok((out, lines_max as f32 * lh + 2.0 * PAD))
        };
        let header = wrap_row(&t.header)?;
        let rows: Vec<_> = t
            .rows
            .iter()
            .map(|r| wrap_row(r))
            .collect::<Result<_, _>>()?;
        let first_h = rows.first().map_or(0.0, |r| r.1);
        self.need(header.1 + first_h);
        self.open(Kind::Table);
        self.open(Kind::THead);
        self.draw_row(
            &t.header,
            &header.0,
            header.1,
            &t.widths,
            size,
            Some(HEAD_BG),
        );
        self.close();
        self.open(Kind::TBody);
        for (cells, (lines, h)) in t.rows.iter().zip(rows) {
            // A row is never split: it moves to the next page whole, under the header
            // repeated there (an artifact: the header is in the structure once).
            if self.y + h > CONTENT_BOTTOM {
                self.new_page();
                self.artifact = true;
                self.draw_row(
                    &t.header,
                    &header.0,
                    header.1,
                    &t.widths,
                    size,
                    Some(HEAD_BG),
                );
                self.artifact = false;
            }
            self.draw_row(cells, &lines, h, &t.widths, size, None);
        }
        self.close();
        self.close();
        self.y += 4.0;
        Ok(())
    }

    fn draw_row(
        &mut self,
        cells: &[Cell],
        lines: &[Vec<Line>],
        h: f32,
        widths: &[f32],
        size: f32,
        row_fill: Option<Rgb>,
    ) {
        let top = self.y;
        let total: f32 = widths.iter().sum();
        let mut x = MARGIN_X;
        let head = row_fill.is_some();
        self.open(Kind::TR);
        for ((cell, lines), w) in cells.iter().zip(lines).zip(widths) {
            if let Some(fill) = cell.fill.or(row_fill) {
                self.rect(x, top, *w, h, fill);
            }
            self.open(if head { Kind::TH } else { Kind::TD });
            let mut ty = top + PAD;
            for line in lines {
                let lw = line.width(size);
                let lx = match cell.align {
                    Align::Left => x + PAD,
                    Align::Right => x + w - PAD - lw,
                };
                self.text_at(lx, ty, size, line.clone(), cell.color);
                ty += size * LEADING;
            }
            self.close();
            x += w;
        }
        self.close();
        // Rules: top and bottom of the row, and the column separators.
        self.stroke(MARGIN_X, top, MARGIN_X + total, top, 0.4, RULE, false);
        self.stroke(
            MARGIN_X,
            top + h,
            MARGIN_X + total,
            top + h,
            0.4,
            RULE,
            false,
        );
        let mut x = MARGIN_X;
        self.stroke(x, top, x, top + h, 0.4, RULE, false);
        for w in widths {
            x += w;
            self.stroke(x, top, x, top + h, 0.4, RULE, false);
        }
        self.y = top + h;
    }

    /// Height a chart takes at `width`.
    pub(crate) fn chart_height(&self, c: &Chart, width: f32) -> Result<f32, ReportError> {
        let title_lines = self.shaper.wrap(&c.title, 9.0, width, &c.title)?.len() as f32;
        let note_lines = if c.note.is_empty() {
            0.0
        } else {
            self.shaper.wrap(&c.note, 7.5, width, &c.title)?.len() as f32
        };
        Ok(title_lines * 9.0 * LEADING
            + 14.0
            + c.bars.len().max(1) as f32 * BAR_STEP
            + 6.0
            + note_lines * 7.5 * LEADING
            + 10.0)
    }

    /// Draw a chart at (x, top), `width` wide. The caller has made room
    /// ([`Pages::chart_height`]).
    pub fn chart(&mut self, c: &Chart, x: f32, top: f32, width: f32) -> Result<(), ReportError> {
        let ctx = c.title.as_str();
        let size = 8.0;
        let mut y = top;
        for line in self.shaper.wrap(&c.title, 9.0, width, ctx)? {
            self.text_at(x, y, 9.0, line, INK);
            y += 9.0 * LEADING;
        }
        // Label column: the widest city name; room for the widest value on the right.
        let mut label_w: f32 = 30.0;
        let mut value_w: f32 = 20.0;
        for b in &c.bars {
            label_w = label_w.max(self.shaper.width(&b.label, size, ctx)?);
            value_w = value_w.max(self.shaper.width(&b.value_text, size, ctx)?);
        }
        let label_w = label_w.min(width * 0.3) + 6.0;
        let plot_x = x + label_w;
        let plot_w = (width - label_w - value_w - 8.0).max(40.0);
        let max = c
            .bars
            .iter()
            .map(|b| b.value)
            .chain(c.required)
            .fold(0.0f64, f64::max);
        let scale = |v: f64| -> f32 {
            if max > 0.0 && v.is_finite() {
                (v.max(0.0) / max) as f32 * plot_w
            } else {
                0.0
            }
        };
        let req_top = y;
        let plot_top = y + 14.0;
        let plot_bottom = plot_top + c.bars.len().max(1) as f32 * BAR_STEP + 2.0;
        // Bars and city names.
        let mut y = plot_top;
        if c.bars.is_empty() {
            let line = self.shaper.shape("—", ctx)?;
            self.text_at(plot_x + 4.0, y + 1.5, size, line, GREY);
        }
        for b in &c.bars {
            let label = self.shaper.shape(&b.label, ctx)?;
            let lw = label.width(size);
            self.text_at(plot_x - 6.0 - lw, y + 1.5, size, label, INK);
            self.rect(
                plot_x,
                y + 1.0,
                scale(b.value),
                BAR_H,
                if b.met { OK } else { WARN },
            );
            y += BAR_STEP;
        }
        // Axis and the required value as a dashed vertical line, labelled above.
        self.stroke(
            plot_x,
            plot_top - 2.0,
            plot_x,
            plot_bottom,
            0.6,
            GREY,
            false,
        );
        if let Some(req) = c.required {
            let rx = plot_x + scale(req);
            self.stroke(rx, plot_top - 4.0, rx, plot_bottom, 1.0, INK, true);
            let line = self.shaper.shape(&c.required_text, ctx)?;
            let lw = line.width(7.5);
            let lx = (rx - lw / 2.0).clamp(x, (x + width - lw).max(x));
            self.text_at(lx, req_top, 7.5, line, INK);
        }
        // Values after the line, on a white ground where the line crosses them.
        let mut y = plot_top;
        for b in &c.bars {
            let value = self.shaper.shape(&b.value_text, ctx)?;
            let vx = plot_x + scale(b.value) + 3.0;
            self.rect(vx - 1.0, y + 1.0, value.width(size) + 2.0, BAR_H, WHITE);
            self.text_at(vx, y + 1.5, size, value, INK);
            y += BAR_STEP;
        }
        let mut y = plot_bottom + 6.0;
        if !c.note.is_empty() {
            for line in self.shaper.wrap(&c.note, 7.5, width, ctx)? {
                self.text_at(x, y, 7.5, line, GREY);
                y += 7.5 * LEADING;
            }
        }
        Ok(())
    }
}

/// Height of a bar.
const BAR_H: f32 = 10.0;
/// Vertical distance between bars.
const BAR_STEP: f32 = 14.0;

/// One small line chart of a small multiple: a region's value at each snapshot date.
#[derive(Debug, Clone)]
pub(crate) struct Panel {
    /// The region ("晋城市").
    pub title: String,
    /// The last value and the change ("8.01 ▲0.65"), right of the title.
    pub value_text: String,
    /// Colour of `value_text` and of the last point (red unmet, green met).
    pub last_color: Rgb,
    /// Snapshot positions across the plot, 0 (first date) to 1 (last).
    pub xs: Vec<f32>,
    /// Date labels under the plot, one per snapshot.
    pub x_labels: Vec<String>,
    /// The values (`None`: no figure at that date).
    pub values: Vec<Option<f64>>,
    /// The common scale of the target's panels.
    pub lo: f64,
    /// Top of the scale.
    pub hi: f64,
    /// Labels of `lo` and `hi`.
    pub lo_text: String,
    /// Label of `hi`.
    pub hi_text: String,
    /// The required value, drawn dashed.
    pub required: Option<f64>,
}

/// Height of the title row of a panel.
const PANEL_TITLE_H: f32 = 12.0;
/// Height of the date labels under a panel's plot.
const PANEL_XLABEL_H: f32 = 10.0;

impl Pages<'_, '_> {
    /// Draw a small line chart in the box (x, top, width, height).
    pub(crate) fn panel(
        &mut self,
        pn: &Panel,
        x: f32,
        top: f32,
        width: f32,
        height: f32,
    ) -> Result<(), ReportError> {
        let ctx = pn.title.as_str();
        let tick = 6.0;
        // Title: region left, last value right (the region is cut short, never overlapped).
        let value = self.shaper.shape(&pn.value_text, ctx)?;
        let vw = value.width(7.5);
        let room = (width - vw - 6.0).max(10.0);
        let title = self.shaper.wrap(&pn.title, 8.0, room, ctx)?;
        if let Some(first) = title.into_iter().next() {
            self.text_at(x, top, 8.0, first, INK);
        }
        self.text_at(x + width - vw, top + 1.0, 7.5, value, pn.last_color);
        // Plot box: y labels on the left, dates below.
        let mut label_w: f32 = 0.0;
        for t in [&pn.lo_text, &pn.hi_text] {
            label_w = label_w.max(self.shaper.width(t, tick, ctx)?);
        }
        let plot_x = x + label_w + 3.0;
        let plot_w = (width - label_w - 3.0).max(20.0);
        let plot_top = top + PANEL_TITLE_H + 2.0;
        let plot_bottom = (top + height - PANEL_XLABEL_H).max(plot_top + 10.0);
        let plot_h = plot_bottom - plot_top;
        self.rect(plot_x, plot_top, plot_w, plot_h, Rgb(0xf7, 0xf8, 0xfa));
        self.stroke(plot_x, plot_top, plot_x, plot_bottom, 0.5, RULE, false);
        self.stroke(
            plot_x,
            plot_bottom,
            plot_x + plot_w,
            plot_bottom,
            0.5,
            RULE,
            false,
        );
        let span = pn.hi - pn.lo;
        let y_of = |v: f64| -> f32 {
            if span > 0.0 && v.is_finite() {
                plot_bottom - (((v - pn.lo) / span) as f32).clamp(0.0, 1.0) * plot_h
            } else {
                plot_top + plot_h / 2.0
            }
        };
        let inset = 5.0;
        let x_of = |f: f32| plot_x + inset + f.clamp(0.0, 1.0) * (plot_w - 2.0 * inset);
        // Scale labels at the top and bottom of the plot.
        let hi = self.shaper.shape(&pn.hi_text, ctx)?;
        let hw = hi.width(tick);
        self.text_at(plot_x - 2.0 - hw, plot_top - 1.0, tick, hi, GREY);
        let lo = self.shaper.shape(&pn.lo_text, ctx)?;
        let lw = lo.width(tick);
        self.text_at(plot_x - 2.0 - lw, plot_bottom - tick, tick, lo, GREY);
        // The required value.
        if let Some(q) = pn.required {
            let y = y_of(q);
            self.stroke(plot_x, y, plot_x + plot_w, y, 0.8, INK, true);
        }
        // The line, broken where a snapshot has no figure; the points; the last one coloured.
        let mut run: Vec<(f32, f32)> = Vec::new();
        let mut points = Vec::new();
        for (f, v) in pn.xs.iter().zip(&pn.values) {
            match v {
                Some(v) => {
                    let p = (x_of(*f), y_of(*v));
                    run.push(p);
                    points.push(p);
                }
                None => {
                    let done = std::mem::take(&mut run);
                    self.polyline(done, 1.2, ACCENT);
                }
            }
        }
        self.polyline(run, 1.2, ACCENT);
        let last = pn
            .values
            .iter()
            .rposition(Option::is_some)
            .and_then(|i| pn.xs.get(i).map(|f| x_of(*f)));
        for (px, py) in &points {
            if Some(*px) == last {
                self.circle(*px, *py, 2.6, pn.last_color);
            } else {
                self.circle(*px, *py, 1.8, ACCENT);
            }
        }
        // Dates: the first and last always, the others where they do not collide.
        let mut taken: Vec<(f32, f32)> = Vec::new();
        let n = pn.x_labels.len();
        let order: Vec<usize> = if n == 0 {
            Vec::new()
        } else {
            let mut o = vec![0, n - 1];
            o.extend(1..n.saturating_sub(1));
            o.dedup();
            o
        };
        for i in order {
            let (Some(label), Some(f)) = (pn.x_labels.get(i), pn.xs.get(i)) else {
                continue;
            };
            let line = self.shaper.shape(label, ctx)?;
            let w = line.width(tick);
            let cx = x_of(*f);
            let lx = if i == 0 {
                plot_x
            } else if i + 1 == n {
                plot_x + plot_w - w
            } else {
                cx - w / 2.0
            };
            if taken.iter().any(|(a, b)| lx < b + 3.0 && lx + w + 3.0 > *a) {
                continue;
            }
            taken.push((lx, lx + w));
            self.text_at(lx, plot_bottom + 1.5, tick, line, GREY);
        }
        Ok(())
    }
}
