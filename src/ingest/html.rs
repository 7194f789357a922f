//! HTML tables → grids: the ".xls" files that web information systems write with their
//! "导出 Excel" button (and Excel's own "Save as Web Page").
//!
//! Every outermost `<table>` is one grid, named by its `<caption>`, else by the last
//! heading (`<h1>`–`<h6>`) before it, else 表1, 表2 …. The page is read with html5ever's
//! streaming tokenizer (entities decoded, unclosed `<td>`/`<tr>` closed as a browser
//! closes them); no document tree is built. Cells are laid out as a browser lays them:
//! `rowspan`/`colspan` cover the cells below and to the right, and the spanning cell
//! becomes a merged region (its value in the top-left cell, as a workbook's merged cells
//! are read). Cell text is whitespace-collapsed as a browser shows it; `<br>` becomes a
//! space. A table nested inside a cell is read as that cell's text.

use std::cell::RefCell;
use std::path::Path;

use encoding_rs::{DecoderResult, Encoding};
use html5ever::local_name;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use super::source::{bad, decode_strict, detect_csv, number_text};
use super::source::{Cell, FileGrids, Grid};
use super::source::{GridRow, Limits, Merge};
use super::{IngestError, PassReason, PassedOver, ProgressHook};

/// The format name of an HTML table in `inspect` (followed by the encoding).
pub(crate) const FORMAT: &str = "HTML 表格 / HTML table";

/// The widest `colspan` and tallest `rowspan` a browser honours (HTML standard).
const MAX_COLSPAN: u32 = 1000;
const MAX_ROWSPAN: u32 = 65_534;

/// Bytes decoded and tokenized at a time.
const CHUNK: usize = 1 << 18;

/// Bytes of the page searched for a `<meta charset>` declaration.
const PRESCAN: usize = 16 << 10;

/// How the text of a page is decoded, and its name for `inspect`.
struct PageEncoding {
    encoding: &'static Encoding,
    /// Bytes of BOM to skip.
    skip: usize,
    /// "GB2312", "UTF-8", "GBK (声明为 UTF-8 / declared UTF-8)" …
    label: String,
    /// Taken from the page's declaration, not yet checked.
    declared: bool,
}

/// Read the tables of an HTML page, each as one whole grid. `forced` is `--encoding`.
pub(crate) fn read_html(
    path: &Path,
    bytes: Vec<u8>,
    forced: Option<&'static Encoding>,
    limits: &Limits,
    progress: &ProgressHook,
) -> Result<FileGrids, IngestError> {
    let mut out = FileGrids::default();
    stream_html(
        path,
        bytes,
        forced,
        limits,
        progress,
        (WHOLE, false),
        &mut collect(&mut out),
    )?;
    Ok(out)
}

/// What the reader hands on, table after table, as it reads a page ([`stream_html`]).
#[derive(Debug)]
pub(crate) enum Piece {
    /// A table's first rows (at least the head size asked for, and a non-empty one among
    /// them; or the whole table when it is shorter), named, with the merged regions that
    /// start in them. Merges that reach below the head are not yet cut at the table's
    /// last row (rows that do not exist).
    Head(Grid),
    /// The table's next rows, with the merged regions that start in them.
    Rows(Vec<GridRow>, Vec<Merge>),
    /// The table's next rows as their cells (an XLSX worksheet's), with the merged
    /// regions that start in them.
    Cells(super::source::CellBatch, Vec<Merge>),
    /// An empty table, passed over.
    Passed(PassedOver),
    /// Everything handed on so far is void: the page is read again from its start (the
    /// fast path met something it is not sure of, or a `<caption>` came after the
    /// table's head was handed on and renamed the table).
    Restart,
}

/// Head and batch sizes that hand every table on whole ([`Piece::Head`] only).
pub(crate) const WHOLE: (usize, usize) = (usize::MAX, usize::MAX);

/// A sink that puts the pieces back together into whole grids.
fn collect(out: &mut FileGrids) -> impl FnMut(Piece) + '_ {
    move |piece| match piece {
        Piece::Head(g) => out.grids.push(g),
        Piece::Cells(cells, merges) => {
            if let Some(g) = out.grids.last_mut() {
                g.rows.extend(cells.into_rows());
                g.merges.extend(merges);
            }
        }
        Piece::Rows(rows, merges) => {
            if let Some(g) = out.grids.last_mut() {
                g.rows.extend(rows);
                g.merges.extend(merges);
            }
        }
        Piece::Passed(p) => out.ignored.push(p),
        Piece::Restart => *out = FileGrids::default(),
    }
}

/// How one reading of the page ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Read to the end.
    Read,
    /// The fast path met something it is not sure of: the tokenizer reads the page.
    NotSure,
    /// A table was renamed after its head was handed on: the page is read again,
    /// handing each table on whole.
    Renamed,
}

/// Read the tables of an HTML page as a stream: each table's first `head_rows` rows
/// (more while they are all blank or a caption is open), then batches of `batch_rows`
/// rows, handed to `sink` as they are read ([`Piece`]). The same rows, names, merges and
/// errors as [`read_html`], whatever the sizes; after a [`Piece::Restart`] the page is
/// read again from its start.
///
/// The page is decoded once, then read by the fast path ([`fast_pass`]: quick-xml's
/// lenient, memchr-driven reader, 5–10 times faster on a large export) when the page is
/// one it reads exactly as a browser would; on anything it is not sure of (a stray `<` or
/// `&`, an unknown entity, a script, a NUL …) the page is read again by html5ever's
/// tokenizer, which follows the HTML standard on any input. Both feed the same
/// [`Builder`].
pub(crate) fn stream_html(
    path: &Path,
    bytes: Vec<u8>,
    forced: Option<&'static Encoding>,
    limits: &Limits,
    progress: &ProgressHook,
    (sizes, parallel): ((usize, usize), bool),
    sink: &mut dyn FnMut(Piece),
) -> Result<(), IngestError> {
    let found = page_encoding(path, &bytes, forced)?;
    // The text takes the place of the bytes (a UTF-8 page is the same buffer): a large
    // export is held once, not twice.
    let (found, (text, skip)) = match decode_page(bytes, &found, parallel) {
        Ok(t) => (found, t),
        Err((bytes, _)) if found.declared => {
            let again = detected(path, &bytes, &found.label)?;
            match decode_page(bytes, &again, parallel) {
                Ok(t) => (again, t),
                Err((bytes, at)) => return Err(undecodable(path, &bytes, at, &again.label)),
            }
        }
        Err((bytes, at)) => return Err(undecodable(path, &bytes, at, &found.label)),
    };
    let format = format!("{FORMAT}, {}", found.label);
    let text = text.get(skip..).unwrap_or_default();
    let mut sizes = sizes;
    let mut fast = true;
    // Rows are reported to the progress hook by the first reading only.
    let none = ProgressHook::default();
    let mut hook = progress;
    loop {
        let mut sent = false;
        let mut counted = |p: Piece| {
            sent = true;
            sink(p);
        };
        let pass = if fast {
            fast_pass(path, text, &format, limits, hook, sizes, &mut counted)?
        } else {
            token_pass(path, text, &format, limits, hook, sizes, &mut counted)?
        };
        match pass {
            Pass::Read => return Ok(()),
            Pass::NotSure => fast = false,
            Pass::Renamed => sizes = WHOLE,
        }
        if sent {
            sink(Piece::Restart);
        }
        hook = &none;
    }
}

/// Read a page with html5ever's tokenizer, fed a chunk at a time.
fn token_pass(
    path: &Path,
    text: &str,
    format: &str,
    limits: &Limits,
    progress: &ProgressHook,
    sizes: (usize, usize),
    sink: &mut dyn FnMut(Piece),
) -> Result<Pass, IngestError> {
    let builder = Builder::new(path, format.to_string(), *limits, progress, sizes, sink);
    let sink = Sink(RefCell::new(builder));
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let queue = BufferQueue::default();
    let mut done = 0usize;
    while done < text.len() {
        let mut end = done.saturating_add(CHUNK).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        queue.push_back(StrTendril::from_slice(
            text.get(done..end).unwrap_or_default(),
        ));
        let _ = tokenizer.feed(&queue);
        if tokenizer.sink.0.borrow().stopped() {
            break;
        }
        done = end;
    }
    tokenizer.end();
    let builder = tokenizer.sink.0.into_inner();
    builder.finish()
}

/// The page read whole by the tokenizer (tests compare the two paths).
#[cfg(test)]
fn read_tokenized(
    path: &Path,
    text: &str,
    format: String,
    limits: &Limits,
    progress: &ProgressHook,
) -> Result<FileGrids, IngestError> {
    let mut out = FileGrids::default();
    token_pass(
        path,
        text,
        &format,
        limits,
        progress,
        WHOLE,
        &mut collect(&mut out),
    )?;
    Ok(out)
}

/// The page read whole by the fast path; `None` when it leaves the page to the tokenizer.
#[cfg(test)]
fn read_fast(
    path: &Path,
    text: &str,
    format: &str,
    limits: &Limits,
    progress: &ProgressHook,
) -> Result<Option<FileGrids>, IngestError> {
    let mut out = FileGrids::default();
    let pass = fast_pass(
        path,
        text,
        format,
        limits,
        progress,
        WHOLE,
        &mut collect(&mut out),
    )?;
    Ok((pass == Pass::Read).then_some(out))
}

/// Elements whose text is not markup (HTML's raw text and escapable raw text elements):
/// the fast path skips to their end tag, as the tokenizer does.
const RAW_TEXT: [&str; 7] = [
    "style", "script", "title", "textarea", "xmp", "iframe", "noembed",
];

/// Where the raw text of element `name` ends in `rest`: the start of its end tag
/// (`</name` followed by whitespace, `/` or `>`, any case), as the HTML tokenizer ends it.
fn raw_text_end(rest: &str, name: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut from = 0usize;
    while let Some(at) = rest.get(from..)?.find("</") {
        let start = from + at;
        let after = start + 2 + name.len();
        let matches = bytes
            .get(start + 2..after)
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()));
        let ends = bytes
            .get(after)
            .is_none_or(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>');
        if matches && ends {
            return Some(start);
        }
        from = start + 2;
    }
    None
}

/// Whether quick-xml's tag name is one the HTML tokenizer reads as a tag (it starts
/// with an ASCII letter; `< b` or `<1` is text to a browser).
fn tag_name(name: &str) -> bool {
    name.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_'))
}

/// Whether quick-xml and the HTML tokenizer read a tag's attributes alike: quick-xml
/// skips any quoted run inside a tag, HTML only a quoted attribute value (right after
/// `=`), and the two treat a stray `/`, `<` or quote differently. Outside quoted values
/// only plain characters are taken (letters, digits, spaces, `=:-_.#%;,` and non-ASCII,
/// a `/` closing the tag); anything else (`<td rowsp"an=2>`, `<th /rowspan=2>`) sends the
/// page to the tokenizer.
fn attrs_agree(raw: &str) -> bool {
    let plain = |c: u8| {
        c.is_ascii_alphanumeric()
            || c >= 0x80
            || matches!(c, b':' | b'-' | b'_' | b'.' | b'#' | b'%' | b';' | b',')
    };
    let raw = raw.trim_end();
    let raw = raw.strip_suffix('/').unwrap_or(raw);
    let b = raw.as_bytes();
    let mut i = 0usize;
    // Whether an attribute name stands before: only then is `=` a value separator (HTML
    // reads a leading `=` as part of a name).
    let mut named = false;
    while let Some(&c) = b.get(i) {
        if c == b'=' {
            if !named {
                return false;
            }
            named = false;
            i += 1;
            while b.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            if let Some(&q) = b.get(i).filter(|q| matches!(q, b'"' | b'\'')) {
                match b
                    .get(i + 1..)
                    .and_then(|rest| rest.iter().position(|x| *x == q))
                {
                    Some(end) => i += end + 2,
                    None => return false,
                }
            } else {
                // An unquoted value: up to the next whitespace, plain characters only.
                while let Some(&v) = b.get(i).filter(|v| !v.is_ascii_whitespace()) {
                    if !plain(v) {
                        return false;
                    }
                    i += 1;
                }
            }
            continue;
        }
        if plain(c) {
            named = true;
        } else if !c.is_ascii_whitespace() {
            return false;
        }
        i += 1;
    }
    true
}

/// The tag kind of a name, as quick-xml gives it (any case) or the tokenizer (lower case;
/// a prefixed name such as `o:p` is no HTML element for either).
fn kind_of_str(name: &str) -> Kind {
    let lower = |n: &str| name.eq_ignore_ascii_case(n);
    if lower("td") || lower("th") {
        Kind::Cell
    } else if lower("tr") {
        Kind::Row
    } else if lower("br") || lower("p") || lower("div") || lower("li") {
        Kind::Break
    } else if lower("table") {
        Kind::Table
    } else if lower("thead") || lower("tbody") || lower("tfoot") {
        Kind::Section
    } else if lower("caption") {
        Kind::Caption
    } else if name.len() == 2
        && (name.starts_with('h') || name.starts_with('H'))
        && name
            .as_bytes()
            .get(1)
            .is_some_and(|b| (b'1'..=b'6').contains(b))
    {
        Kind::Heading
    } else {
        Kind::Other
    }
}

/// The attributes of a cell as quick-xml reads them (HTML style: unquoted values and
/// names without a value allowed); `None` when one is malformed, repeated or holds an
/// entity (the tokenizer decides those). A cell whose attributes name none that is read
/// (`class="xl60" nowrap`, as exports write every cell) has the defaults at once: its
/// attributes change nothing whichever reader takes them.
fn cell_attrs_fast(e: &quick_xml::events::BytesStart<'_>) -> Option<CellAttrs> {
    let mut out = CellAttrs::default();
    if !names_read(e.attributes_raw().as_bytes()) {
        return Some(out);
    }
    for a in e.html_attributes() {
        let a = a.ok()?;
        let value: &str = &a.value;
        if value.contains('&') {
            return None;
        }
        out.set(a.key.as_ref(), value);
    }
    Some(out)
}

/// Whether raw attributes may hold one that [`CellAttrs::set`] reads: `colspan`,
/// `rowspan`, `style`, `x:str` or `x:num`, in any case (checked loosely: "span", "style"
/// or "x:" anywhere).
fn names_read(raw: &[u8]) -> bool {
    let has = |word: &[u8]| {
        raw.windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word))
    };
    has(b"span") || has(b"style") || has(b"x:")
}

/// The fast path: the page read with quick-xml's lenient reader into the [`Builder`].
/// [`Pass::NotSure`] when the page holds anything this reader might read differently
/// from a browser; then the page is read by the tokenizer instead.
fn fast_pass(
    path: &Path,
    text: &str,
    format: &str,
    limits: &Limits,
    progress: &ProgressHook,
    sizes: (usize, usize),
    sink: &mut dyn FnMut(Piece),
) -> Result<Pass, IngestError> {
    use quick_xml::events::Event;
    let mut b = Builder::new(path, format.to_string(), *limits, progress, sizes, sink);
    let mut base = 0usize;
    let reader_at = |at: usize| {
        let mut r = quick_xml::Reader::from_str(text.get(at..).unwrap_or_default());
        let c = r.config_mut();
        c.check_end_names = false;
        c.allow_unmatched_ends = true;
        c.allow_dangling_amp = false;
        c.check_comments = false;
        r
    };
    let mut reader = reader_at(0);
    loop {
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(_) => return Ok(Pass::NotSure),
        };
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name();
                let name: &str = name.as_ref();
                if !tag_name(name) || !attrs_agree(e.attributes_raw()) {
                    return Ok(Pass::NotSure);
                }
                let kind = kind_of_str(name);
                if kind == Kind::Other {
                    if name.eq_ignore_ascii_case("plaintext") {
                        return Ok(Pass::NotSure);
                    }
                    if let Some(raw) = RAW_TEXT.iter().find(|r| name.eq_ignore_ascii_case(r)) {
                        // Skip the raw text: read on from its end tag.
                        let here = base + usize::try_from(reader.buffer_position()).unwrap_or(0);
                        let Some(end) = raw_text_end(text.get(here..).unwrap_or_default(), raw)
                        else {
                            return Ok(Pass::NotSure);
                        };
                        base = here + end;
                        reader = reader_at(base);
                        continue;
                    }
                }
                let attrs = if kind == Kind::Cell {
                    match cell_attrs_fast(&e) {
                        Some(a) => a,
                        None => return Ok(Pass::NotSure),
                    }
                } else {
                    CellAttrs::default()
                };
                b.tag(kind, true, attrs);
            }
            Event::End(e) => {
                let name = e.name();
                if !tag_name(name.as_ref()) {
                    return Ok(Pass::NotSure);
                }
                b.tag(kind_of_str(name.as_ref()), false, CellAttrs::default());
            }
            Event::Text(t) => {
                let t: &str = &t;
                if t.contains('\0') {
                    return Ok(Pass::NotSure);
                }
                b.text(t);
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    // The standard maps C1 controls and a few others: leave those to it.
                    Ok(Some(c)) if c != '\0' && !('\u{80}'..='\u{9f}').contains(&c) => c,
                    Ok(Some(_)) | Err(_) => return Ok(Pass::NotSure),
                    Ok(None) => match common_entity(&r) {
                        Some(c) => c,
                        None => {
                            let key = format!("{};", &*r);
                            match html5ever::data::NAMED_ENTITIES.get(key.as_str()) {
                                Some(&(c1, c2)) => {
                                    let Some(c1) = char::from_u32(c1) else {
                                        return Ok(Pass::NotSure);
                                    };
                                    if c2 != 0 {
                                        let Some(c2) = char::from_u32(c2) else {
                                            return Ok(Pass::NotSure);
                                        };
                                        b.text(&format!("{c1}{c2}"));
                                        continue;
                                    }
                                    c1
                                }
                                None => return Ok(Pass::NotSure),
                            }
                        }
                    },
                };
                let mut buf = [0u8; 4];
                b.text(c.encode_utf8(&mut buf));
            }
            Event::Eof => break,
            // Comments, the doctype, processing instructions and CDATA sections (a
            // bogus comment in HTML) hold no cell.
            _ => {}
        }
        if b.error.is_none() {
            if let Err(e) = b.check_text() {
                b.error = Some(e);
            }
        }
        if let Some(e) = b.error.take() {
            return Err(e);
        }
        if b.renamed {
            return Ok(Pass::Renamed);
        }
    }
    b.end_table();
    b.finish()
}

/// The entities exports write in nearly every row (`&nbsp;` for an empty cell), without
/// a lookup in the standard's table (which gives the same characters).
fn common_entity(name: &str) -> Option<char> {
    match name {
        "nbsp" => Some('\u{a0}'),
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        _ => None,
    }
}

fn undecodable(path: &Path, bytes: &[u8], offset: usize, label: &str) -> IngestError {
    IngestError::Decode {
        path: path.to_path_buf(),
        offset,
        line: super::source::line_at(bytes, offset),
        message: format!("不是有效的 {label} 编码 / not valid {label}"),
    }
}

/// The encoding of a page: `--encoding`, else the BOM, else the `<meta>` declaration
/// (checked to decode; a page that does not decode as it declares is detected as a CSV
/// is), else detected as a CSV is (UTF-8, else GBK/GB18030).
fn page_encoding(
    path: &Path,
    bytes: &[u8],
    forced: Option<&'static Encoding>,
) -> Result<PageEncoding, IngestError> {
    let from_csv = |_: Option<&str>| {
        detect_csv(path, bytes, forced).map(|f| PageEncoding {
            encoding: f.encoding,
            skip: f.skip,
            label: f.label,
            declared: false,
        })
    };
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        if Encoding::for_bom(bytes).is_none() && forced.is_none() {
            return Err(IngestError::Decode {
                path: path.to_path_buf(),
                offset: nul,
                line: super::source::line_at(bytes, nul),
                message:
                    "含有二进制数据（NUL 字节），不是文本网页 / binary data, not a text web page"
                        .into(),
            });
        }
    }
    if forced.is_some() || Encoding::for_bom(bytes).is_some() {
        return from_csv(None);
    }
    let Some(label) = declared_charset(bytes) else {
        return from_csv(None);
    };
    let Some(enc) = Encoding::for_label(label.as_bytes()) else {
        return from_csv(None);
    };
    // A declaration of UTF-16 in an ASCII-compatible page is a mistake (the declaration
    // itself was read as ASCII); browsers read such a page as UTF-8.
    let enc = if enc.is_ascii_compatible() {
        enc
    } else {
        encoding_rs::UTF_8
    };
    // Checked as the page is decoded ([`read_html`] falls back on [`detected`]).
    Ok(PageEncoding {
        encoding: enc,
        skip: 0,
        label: label.trim().to_ascii_uppercase(),
        declared: true,
    })
}

/// The encoding of a page that does not decode as it declares: detected as for a CSV,
/// the label saying what was declared.
fn detected(path: &Path, bytes: &[u8], declared: &str) -> Result<PageEncoding, IngestError> {
    detect_csv(path, bytes, None).map(|f| PageEncoding {
        encoding: f.encoding,
        skip: f.skip,
        label: format!("{} (声明为 {declared} / declared {declared})", f.label),
        declared: false,
    })
}

/// A page's text in its encoding: the bytes themselves for UTF-8 (no copy), else decoded
/// (and the bytes freed); with `parallel`, a large page is decoded in two halves at once.
/// The bytes come back, with the offset of the first bad sequence, when they do not
/// decode.
fn decode_page(
    bytes: Vec<u8>,
    found: &PageEncoding,
    parallel: bool,
) -> Result<(String, usize), (Vec<u8>, usize)> {
    if found.encoding == encoding_rs::UTF_8 {
        return match String::from_utf8(bytes) {
            Ok(t) => Ok((t, found.skip)),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                Err((e.into_bytes(), at))
            }
        };
    }
    let body = bytes.get(found.skip..).unwrap_or(&[]);
    match decode_text(found.encoding, body, parallel) {
        Ok(t) => Ok((t, 0)),
        Err(at) => Err((bytes, found.skip + at)),
    }
}

/// Bytes below which a page is decoded in one piece.
const PARALLEL_DECODE: usize = 4 << 20;

/// Text decoded without replacement ([`decode_strict`]). With `parallel` (the page read
/// as a stream), the same text and error offset, decoded through a small buffer
/// ([`decode_into`]: only the room used is touched) and, for a large page in an
/// ASCII-compatible encoding, in two halves at once: the page is cut after the line feed
/// nearest its middle (a line feed is never part of a multi-byte character in these
/// encodings, and no decoder state crosses it); an error in the first half is the first.
fn decode_text(encoding: &'static Encoding, body: &[u8], parallel: bool) -> Result<String, usize> {
    if !parallel {
        return decode_strict(encoding, body);
    }
    let room = |n: usize| {
        encoding
            .new_decoder_without_bom_handling()
            .max_utf8_buffer_length_without_replacement(n)
            .unwrap_or(n.saturating_mul(3))
    };
    let mid = body.len() / 2;
    let cut = (body.len() >= PARALLEL_DECODE && encoding.is_ascii_compatible())
        .then(|| body.get(mid..)?.iter().position(|b| *b == b'\n'))
        .flatten()
        .map(|at| mid + at + 1);
    let mut out = String::with_capacity(room(body.len()));
    let Some(cut) = cut else {
        decode_into(encoding, body, &mut out)?;
        return Ok(out);
    };
    let (first, second) = body.split_at(cut);
    let (done, rest) = std::thread::scope(|s| {
        let rest = s.spawn(|| {
            let mut t = String::with_capacity(room(second.len()));
            decode_into(encoding, second, &mut t).map(|()| t)
        });
        let done = decode_into(encoding, first, &mut out);
        (done, rest.join())
    });
    done?;
    let rest = rest
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
        .map_err(|at| cut + at)?;
    out.push_str(&rest);
    Ok(out)
}

/// Decode `bytes` onto `out` without replacement, a slice at a time through a small
/// buffer: encoding_rs touches every page of the room it is given to decode into, and
/// `out` has room for the worst case (three times the bytes), most of it never used.
/// `Err(offset)` at the first malformed sequence.
fn decode_into(encoding: &'static Encoding, bytes: &[u8], out: &mut String) -> Result<(), usize> {
    const SLICE: usize = 1 << 16;
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut buf = String::with_capacity(4 * SLICE);
    let mut done = 0usize;
    loop {
        let end = done.saturating_add(SLICE).min(bytes.len());
        let last = end == bytes.len();
        let slice = bytes.get(done..end).unwrap_or(&[]);
        buf.clear();
        let (result, read) = decoder.decode_to_string_without_replacement(slice, &mut buf, last);
        done += read;
        out.push_str(&buf);
        match result {
            DecoderResult::InputEmpty if last => return Ok(()),
            DecoderResult::InputEmpty | DecoderResult::OutputFull => {}
            DecoderResult::Malformed(bad, extra) => {
                return Err(done.saturating_sub(usize::from(bad) + usize::from(extra)))
            }
        }
    }
}

/// The charset a page declares in its head: `<meta charset="gb2312">` or
/// `<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`, found by
/// tokenizing the first bytes (read as ASCII; a declaration is ASCII).
fn declared_charset(bytes: &[u8]) -> Option<String> {
    let head = bytes.get(..PRESCAN).unwrap_or(bytes);
    let head = String::from_utf8_lossy(head);
    let tokenizer = Tokenizer::new(MetaSink(RefCell::new(None)), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from_slice(&head));
    let _ = tokenizer.feed(&queue);
    tokenizer.sink.0.into_inner()
}

/// The `charset=` of a `content` attribute: `text/html; charset=gb2312`.
fn charset_in_content(content: &str) -> Option<String> {
    let lower = content.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = lower.get(at + "charset".len()..)?.trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let rest = rest.trim_start_matches(['"', '\'']);
    let end = rest
        .find(|c: char| c == ';' || c == '"' || c == '\'' || c.is_ascii_whitespace())
        .unwrap_or(rest.len());
    let label = rest.get(..end)?.trim();
    (!label.is_empty()).then(|| label.to_string())
}

fn attr<'t>(tag: &'t Tag, name: &str) -> Option<&'t str> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

/// Finds the first charset declaration in a page's head.
struct MetaSink(RefCell<Option<String>>);

impl TokenSink for MetaSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if tag.kind != TagKind::StartTag {
            return TokenSinkResult::Continue;
        }
        match &*tag.name {
            "meta" if self.0.borrow().is_none() => {
                let found = attr(&tag, "charset")
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .or_else(|| {
                        let equiv = attr(&tag, "http-equiv")?;
                        if !equiv.trim().eq_ignore_ascii_case("content-type") {
                            return None;
                        }
                        charset_in_content(attr(&tag, "content")?)
                    });
                if found.is_some() {
                    *self.0.borrow_mut() = found;
                }
                TokenSinkResult::Continue
            }
            other => raw_kind(other),
        }
    }
}

/// What the tokenizer reads after a start tag: the text of `<style>`, `<script>`,
/// `<title>` … is not markup (a browser's tree builder tells its tokenizer so; we are
/// that tree builder).
fn raw_kind(name: &str) -> TokenSinkResult<()> {
    match name {
        "style" | "xmp" | "iframe" | "noembed" | "noframes" => {
            TokenSinkResult::RawData(RawKind::Rawtext)
        }
        "script" => TokenSinkResult::RawData(RawKind::ScriptData),
        "title" | "textarea" => TokenSinkResult::RawData(RawKind::Rcdata),
        "plaintext" => TokenSinkResult::Plaintext,
        _ => TokenSinkResult::Continue,
    }
}

/// The tags the table reader acts on, told apart by their interned names (an integer
/// comparison each, not a string comparison).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Table,
    Caption,
    Row,
    Cell,
    /// `<thead>`, `<tbody>`, `<tfoot>`: they end a row.
    Section,
    /// `<br>` and the blocks whose edges separate words (`<p>`, `<div>`, `<li>`).
    Break,
    Heading,
    Other,
}

/// Builds the grids as the tokens come.
struct Sink<'a>(RefCell<Builder<'a>>);

impl TokenSink for Sink<'_> {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut b = self.0.borrow_mut();
        if b.stopped() {
            return TokenSinkResult::Continue;
        }
        let result = match token {
            Token::TagToken(tag) => {
                let kind = kind_of_str(&tag.name);
                let raw = if kind == Kind::Other && tag.kind == TagKind::StartTag {
                    raw_kind(&tag.name)
                } else {
                    TokenSinkResult::Continue
                };
                let start = tag.kind == TagKind::StartTag;
                let attrs = if start && kind == Kind::Cell {
                    CellAttrs::of(&tag)
                } else {
                    CellAttrs::default()
                };
                b.tag(kind, start, attrs);
                raw
            }
            Token::CharacterTokens(text) => {
                b.text(&text);
                TokenSinkResult::Continue
            }
            Token::EOFToken => {
                b.end_table();
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        };
        if let Err(e) = b.check_text() {
            b.error = Some(e);
        }
        result
    }
}

/// The cell being read.
struct OpenCell {
    /// 0-based column.
    col: usize,
    /// Text as it came (whitespace collapsed when it is closed).
    text: String,
    /// Marked as text (`mso-number-format:"\@"`, `x:str`).
    text_marker: bool,
    /// Excel's `x:num` value, when the page carries it.
    num: Option<String>,
}

/// The table being read.
struct OpenTable {
    caption: Option<String>,
    in_caption: bool,
    /// Rows finished.
    rows: Vec<GridRow>,
    merges: Vec<Merge>,
    /// The row being read: its cells, and the next column free.
    row: Option<(Vec<Cell>, usize)>,
    /// Rows started so far (the 1-based number of the current row).
    number: u32,
    /// For each column, how many rows from the current one on a `rowspan` above covers.
    covered: Vec<u32>,
    cell: Option<OpenCell>,
    /// Cells in the widest row so far (room reserved for each new row).
    width: usize,
    /// The table's name, once its head is handed on (it is final then).
    name: Option<String>,
    /// Whether a row with content is among the rows finished.
    filled: bool,
}

struct Builder<'a> {
    path: &'a Path,
    format: String,
    limits: Limits,
    progress: &'a ProgressHook,
    /// Rows of a table's head, and of each batch after it ([`Piece`]).
    sizes: (usize, usize),
    /// Where the tables go.
    sink: &'a mut dyn FnMut(Piece),
    /// Tables handed on (not passed over as empty).
    grids: usize,
    /// A table was renamed after its head was handed on ([`Pass::Renamed`]).
    renamed: bool,
    /// Sheet names given so far (names are unique within a file).
    names: Vec<String>,
    /// Outermost tables seen.
    tables: usize,
    /// `<table>` nesting depth.
    depth: usize,
    table: Option<OpenTable>,
    /// The text of the heading being read (outside tables).
    heading: Option<String>,
    /// The last heading seen since the last table.
    last_heading: Option<String>,
    error: Option<IngestError>,
    /// Rows not yet reported to the progress hook.
    pending: u64,
}

/// Characters of a sheet name taken from a caption or heading.
const NAME_CHARS: usize = 60;

/// Whitespace collapsed as a browser shows it (HTML's ASCII whitespace, and the no-break
/// space, which exports write for empty cells), trimmed. Other spaces (U+3000 …) stay,
/// as they stay in a CSV.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_ascii_whitespace() || c == '\u{a0}' {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// [`collapse`], keeping the string itself when there is nothing to collapse (most cells).
fn collapse_owned(text: String) -> String {
    let plain = !text.bytes().any(|b| b.is_ascii_whitespace() || b == 0xC2);
    if plain {
        text
    } else {
        collapse(&text)
    }
}

/// Whether the text of an Excel HTML cell is a number in E notation ("1.40105E+11"),
/// which Excel shows for a long code in a General column; its `x:num` holds the digits.
fn e_notation(text: &str) -> bool {
    text.as_bytes().contains(&b'+')
        && (text.contains("E+") || text.contains("e+"))
        && text.parse::<f64>().is_ok()
}

/// A `rowspan`/`colspan` value: its leading digits (as browsers read "2px"), 1 when
/// missing, zero or not a number.
fn span_value(v: &str) -> u32 {
    let digits: String = v
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .take(9)
        .collect();
    digits.parse::<u32>().ok().filter(|n| *n >= 1).unwrap_or(1)
}

/// What the attributes of a `<td>`/`<th>` say, read in one pass.
struct CellAttrs {
    colspan: u32,
    rowspan: u32,
    /// `mso-number-format:"\@"` in its style, or Excel's `x:str`.
    text_marker: bool,
    /// Excel's `x:num`.
    num: Option<String>,
}

impl Default for CellAttrs {
    fn default() -> Self {
        CellAttrs {
            colspan: 1,
            rowspan: 1,
            text_marker: false,
            num: None,
        }
    }
}

impl CellAttrs {
    /// The attributes of a tokenizer's tag (names already lower case).
    fn of(tag: &Tag) -> CellAttrs {
        let mut out = CellAttrs::default();
        for a in &tag.attrs {
            let name = &a.name.local;
            if *name == local_name!("colspan") {
                out.colspan = span_value(&a.value);
            } else if *name == local_name!("rowspan") {
                out.rowspan = span_value(&a.value);
            } else if *name == local_name!("class") || *name == local_name!("align") {
            } else {
                out.set(name, &a.value);
            }
        }
        out
    }

    /// One attribute by name (any case).
    fn set(&mut self, name: &str, value: &str) {
        if name.eq_ignore_ascii_case("colspan") {
            self.colspan = span_value(value);
        } else if name.eq_ignore_ascii_case("rowspan") {
            self.rowspan = span_value(value);
        } else if name.eq_ignore_ascii_case("style") {
            let style = value.to_ascii_lowercase();
            if let Some(at) = style.find("mso-number-format") {
                let rest = style.get(at..).unwrap_or_default();
                self.text_marker |= rest.split(';').next().unwrap_or_default().contains('@');
            }
        } else if name.eq_ignore_ascii_case("x:str") {
            self.text_marker = true;
        } else if name.eq_ignore_ascii_case("x:num") {
            self.num = Some(value.to_string());
        }
    }
}

/// A table's name: its caption, else the heading before it, else 表N.
fn label(caption: Option<&String>, heading: Option<&String>, n: usize) -> String {
    caption
        .or(heading)
        .cloned()
        .unwrap_or_else(|| format!("表{n}"))
}

impl<'a> Builder<'a> {
    fn new(
        path: &'a Path,
        format: String,
        limits: Limits,
        progress: &'a ProgressHook,
        sizes: (usize, usize),
        sink: &'a mut dyn FnMut(Piece),
    ) -> Self {
        Builder {
            path,
            format,
            limits,
            progress,
            sizes,
            sink,
            grids: 0,
            renamed: false,
            names: Vec::new(),
            tables: 0,
            depth: 0,
            table: None,
            heading: None,
            last_heading: None,
            error: None,
            pending: 0,
        }
    }

    fn table_name(&self) -> String {
        label(
            self.table.as_ref().and_then(|t| t.caption.as_ref()),
            self.last_heading.as_ref(),
            self.tables,
        )
    }

    fn tag(&mut self, kind: Kind, start: bool, attrs: CellAttrs) {
        if self.depth == 0 {
            match kind {
                Kind::Table if start => {
                    self.depth = 1;
                    self.tables += 1;
                    self.heading = None;
                    self.table = Some(OpenTable {
                        caption: None,
                        in_caption: false,
                        rows: Vec::new(),
                        merges: Vec::new(),
                        row: None,
                        number: 0,
                        covered: Vec::new(),
                        cell: None,
                        width: 0,
                        name: None,
                        filled: false,
                    });
                }
                Kind::Heading => {
                    if start {
                        self.heading = Some(String::new());
                    } else if let Some(h) = self.heading.take() {
                        let h = collapse(&h);
                        if !h.is_empty() {
                            self.last_heading = Some(h.chars().take(NAME_CHARS).collect());
                        }
                    }
                }
                Kind::Break => {
                    if let Some(h) = &mut self.heading {
                        h.push(' ');
                    }
                }
                _ => {}
            }
            return;
        }
        if self.depth > 1 {
            // A table inside a cell: its text is the cell's, cells apart by spaces.
            match kind {
                Kind::Table if start => self.depth += 1,
                Kind::Table => self.depth -= 1,
                _ => {}
            }
            if matches!(kind, Kind::Table | Kind::Row | Kind::Cell | Kind::Break) {
                self.push_space();
            }
            return;
        }
        match kind {
            Kind::Table if start => {
                // Nested: inside a cell, or (malformed) directly inside the table.
                self.depth += 1;
                self.push_space();
            }
            Kind::Table => self.end_table(),
            Kind::Caption if self.table.as_ref().is_some_and(|t| t.name.is_some()) => {
                // The name of a table whose head is handed on would change.
                self.renamed = true;
            }
            Kind::Caption => {
                self.close_cell();
                if let Some(t) = &mut self.table {
                    if start {
                        t.in_caption = true;
                        t.caption.get_or_insert_with(String::new);
                    } else {
                        t.in_caption = false;
                        t.caption = t
                            .caption
                            .as_deref()
                            .map(collapse)
                            .filter(|c| !c.is_empty())
                            .map(|c| c.chars().take(NAME_CHARS).collect());
                    }
                }
            }
            Kind::Row => {
                self.close_row();
                if start {
                    self.open_row();
                }
            }
            Kind::Cell => {
                self.close_cell();
                if start {
                    self.open_cell(attrs);
                }
            }
            Kind::Section => self.close_row(),
            Kind::Break => self.push_space(),
            Kind::Heading | Kind::Other => {}
        }
    }

    fn push_space(&mut self) {
        if let Some(c) = self.table.as_mut().and_then(|t| t.cell.as_mut()) {
            c.text.push(' ');
        }
    }

    fn text(&mut self, text: &str) {
        if self.depth == 0 {
            if let Some(h) = &mut self.heading {
                if h.len() < NAME_CHARS * 8 {
                    h.push_str(text);
                }
            }
            return;
        }
        let Some(t) = &mut self.table else {
            return;
        };
        if t.in_caption {
            if let Some(c) = &mut t.caption {
                if c.len() < NAME_CHARS * 8 {
                    c.push_str(text);
                }
            }
        } else if let Some(c) = &mut t.cell {
            c.text.push_str(text);
        }
    }

    /// A cell growing past the character limit (whitespace collapsed) is an error before
    /// it takes more memory.
    fn check_text(&mut self) -> Result<(), IngestError> {
        let limit = self.limits.cell_chars as usize;
        let Builder {
            path,
            limits,
            table,
            last_heading,
            tables,
            ..
        } = self;
        let Some(t) = table else {
            return Ok(());
        };
        let Some(c) = &mut t.cell else {
            return Ok(());
        };
        if c.text.len() <= limit.saturating_mul(4).saturating_add(4096) {
            return Ok(());
        }
        c.text = collapse(&c.text);
        let name = || {
            let n = label(t.caption.as_ref(), last_heading.as_ref(), *tables);
            format!("{}#{n}", path.display())
        };
        limits.check_cell(&name, u64::from(t.number), c.col as u64 + 1, &c.text)
    }

    fn open_row(&mut self) {
        let Some(t) = &mut self.table else {
            return;
        };
        t.number = t.number.saturating_add(1);
        t.row = Some((Vec::with_capacity(t.width), 0));
    }

    /// Finish the current row (with its cell), if one is open, and hand on the table's
    /// head or a batch when one is full.
    fn close_row(&mut self) {
        self.finish_row();
        if self.error.is_some() {
            return;
        }
        let (head_rows, batch_rows) = self.sizes;
        let Some(t) = &mut self.table else {
            return;
        };
        if t.name.is_none() {
            if t.rows.len() >= head_rows && t.filled && !t.in_caption {
                let name = label(t.caption.as_ref(), self.last_heading.as_ref(), self.tables);
                let name = self.unique_name(name);
                let Some(t) = &mut self.table else {
                    return;
                };
                t.name = Some(name.clone());
                let grid = Grid {
                    file: self.path.to_path_buf(),
                    sheet: Some(name),
                    encoding: Some(self.format.clone()),
                    rows: std::mem::take(&mut t.rows),
                    merges: std::mem::take(&mut t.merges),
                };
                self.grids += 1;
                (self.sink)(Piece::Head(grid));
            }
        } else if t.rows.len() >= batch_rows {
            let rows = std::mem::replace(&mut t.rows, Vec::with_capacity(batch_rows));
            let merges = std::mem::take(&mut t.merges);
            (self.sink)(Piece::Rows(rows, merges));
        }
    }

    /// Finish the current row (with its cell), if one is open.
    fn finish_row(&mut self) {
        self.close_cell();
        let Builder {
            path,
            limits,
            table,
            last_heading,
            tables,
            error,
            pending,
            progress,
            ..
        } = self;
        let Some(t) = table else {
            return;
        };
        let Some((mut cells, _)) = t.row.take() else {
            return;
        };
        for c in t.covered.iter_mut() {
            *c = c.saturating_sub(1);
        }
        while t.covered.last() == Some(&0) {
            t.covered.pop();
        }
        let name = || {
            let n = label(t.caption.as_ref(), last_heading.as_ref(), *tables);
            format!("{}#{n}", path.display())
        };
        if let Err(e) = limits.check_row(&name, u64::from(t.number)) {
            *error = Some(e);
            return;
        }
        while cells.last().is_some_and(|c| *c == Cell::Empty) {
            cells.pop();
        }
        t.width = t.width.max(cells.len());
        let row = GridRow {
            number: t.number,
            cells,
        };
        t.filled = t.filled || !row.is_blank();
        t.rows.push(row);
        *pending += 1;
        if *pending == ProgressHook::BATCH {
            progress.rows(*pending);
            *pending = 0;
        }
    }

    fn open_cell(&mut self, a: CellAttrs) {
        if self.table.as_ref().is_some_and(|t| t.row.is_none()) {
            self.open_row();
        }
        let limits = self.limits;
        let Some(t) = &mut self.table else {
            return;
        };
        let Some((_, next)) = &mut t.row else {
            return;
        };
        let mut col = *next;
        while t.covered.get(col).is_some_and(|n| *n > 0) {
            col += 1;
        }
        let columns = limits.columns as usize;
        let colspan = (a.colspan.min(MAX_COLSPAN) as usize).min(columns.saturating_sub(col).max(1));
        let rows_left = limits.rows.saturating_sub(t.number).saturating_add(1);
        let rowspan = a.rowspan.min(MAX_ROWSPAN).min(rows_left.max(1));
        *next = col.saturating_add(colspan);
        if rowspan > 1 && col < columns {
            let end = col + colspan;
            if t.covered.len() < end {
                t.covered.resize(end, 0);
            }
            for c in t.covered.iter_mut().skip(col).take(colspan) {
                *c = rowspan;
            }
        }
        if (rowspan > 1 || colspan > 1) && col < columns {
            t.merges.push(Merge {
                rows: (t.number, t.number.saturating_add(rowspan - 1)),
                cols: (col, col + colspan - 1),
            });
        }
        t.cell = Some(OpenCell {
            col,
            text: String::new(),
            text_marker: a.text_marker,
            num: a.num,
        });
    }

    fn close_cell(&mut self) {
        let Builder {
            path,
            limits,
            table,
            last_heading,
            tables,
            error,
            ..
        } = self;
        let Some(t) = table else {
            return;
        };
        let Some(cell) = t.cell.take() else {
            return;
        };
        let Some((cells, _)) = &mut t.row else {
            return;
        };
        let mut text = collapse_owned(cell.text);
        if !cell.text_marker && e_notation(&text) {
            if let Some(n) = cell
                .num
                .as_deref()
                .and_then(|n| n.trim().parse::<f64>().ok())
            {
                text = number_text(n);
            }
        }
        if text.is_empty() {
            return;
        }
        let name = || {
            let n = label(t.caption.as_ref(), last_heading.as_ref(), *tables);
            format!("{}#{n}", path.display())
        };
        let row = u64::from(t.number);
        let col = cell.col as u64 + 1;
        if let Err(e) = limits
            .check_column(&name, row, col)
            .and_then(|()| limits.check_cell(&name, row, col, &text))
        {
            *error = Some(e);
            return;
        }
        if cells.len() <= cell.col {
            cells.resize(cell.col + 1, Cell::Empty);
        }
        if let Some(slot) = cells.get_mut(cell.col) {
            *slot = Cell::Text(text);
        }
    }

    /// Finish the outermost table, if one is open: a grid (or the rest of one whose head
    /// was handed on), or an empty sheet passed over.
    fn end_table(&mut self) {
        if self.table.is_none() {
            return;
        }
        self.finish_row();
        if self.error.is_some() {
            return;
        }
        let streamed = self.table.as_mut().and_then(|t| t.name.take()).is_some();
        let name = if streamed {
            String::new()
        } else {
            let name = self.table_name();
            self.unique_name(name)
        };
        self.depth = 0;
        self.last_heading = None;
        let Some(t) = self.table.take() else {
            return;
        };
        let last = t.number;
        let merges = t
            .merges
            .into_iter()
            .filter(|m| m.rows.0 <= last)
            .map(|m| Merge {
                rows: (m.rows.0, m.rows.1.min(last)),
                cols: m.cols,
            })
            .filter(|m| m.rows.0 != m.rows.1 || m.cols.0 != m.cols.1)
            .collect();
        if streamed {
            (self.sink)(Piece::Rows(t.rows, merges));
            return;
        }
        let grid = Grid {
            file: self.path.to_path_buf(),
            sheet: Some(name.clone()),
            encoding: Some(self.format.clone()),
            rows: t.rows,
            merges,
        };
        if grid.is_blank() {
            (self.sink)(Piece::Passed(PassedOver {
                file: self.path.to_path_buf(),
                sheet: Some(name),
                reason: PassReason::EmptySheet,
            }));
        } else {
            self.grids += 1;
            (self.sink)(Piece::Head(grid));
        }
    }

    fn unique_name(&mut self, name: String) -> String {
        let mut unique = name.clone();
        let mut k = 2;
        while self.names.contains(&unique) {
            unique = format!("{name} ({k})");
            k += 1;
        }
        self.names.push(unique.clone());
        unique
    }

    /// Whether reading stops here (an error, or a table renamed).
    fn stopped(&self) -> bool {
        self.error.is_some() || self.renamed
    }

    fn finish(mut self) -> Result<Pass, IngestError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        if self.renamed {
            return Ok(Pass::Renamed);
        }
        self.end_table();
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.progress.rows(self.pending);
        if self.tables == 0 {
            return Err(bad(
                self.path,
                "网页中没有表格（<table>），无法读取 / the web page holds no table",
            ));
        }
        if self.grids == 0 {
            return Err(IngestError::EmptyFile {
                path: self.path.to_path_buf(),
            });
        }
        Ok(Pass::Read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_bytes(bytes: &[u8], limits: Limits) -> Result<FileGrids, IngestError> {
        read_html(
            Path::new("t.xls"),
            bytes.to_vec(),
            None,
            &limits,
            &ProgressHook::default(),
        )
    }

    /// Read a UTF-8 page, checking that the fast path (when it takes the page) and the
    /// tokenizer give the same grids.
    fn read(page: &str) -> FileGrids {
        let g = match read_bytes(page.as_bytes(), Limits::default()) {
            Ok(g) => g,
            Err(e) => panic!("{e}"),
        };
        let path = Path::new("t.xls");
        let format = g
            .grids
            .first()
            .and_then(|g| g.encoding.clone())
            .unwrap_or_default();
        let none = ProgressHook::default();
        let slow = read_tokenized(path, page, format, &Limits::default(), &none)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(g.grids, slow.grids, "{page}");
        assert_eq!(g.ignored, slow.ignored, "{page}");
        g
    }

    /// Whether the fast path reads a page itself (rather than leaving it to the tokenizer).
    fn fast(page: &str) -> bool {
        let none = ProgressHook::default();
        read_fast(Path::new("t.xls"), page, "x", &Limits::default(), &none)
            .unwrap_or_else(|e| panic!("{e}"))
            .is_some()
    }

    /// The fast path takes the pages exports write, and leaves to the tokenizer what it
    /// might read differently; either way the grids are the same (checked by [`read`]).
    #[test]
    fn fast_path_or_tokenizer() {
        for page in [
            "<table><tr><td>a<td>b</table>",
            "<TABLE><TR><TD COLSPAN=2 nowrap>a &amp; b&#20013;&nbsp;</TD></TR></TABLE>",
            "<html><head><style>td {x:1} <!-- a<b --></style><title>x</title></head>\
             <body><h2>名单</h2><table><tr><td>a</td></tr></table></body></html>",
            "<!DOCTYPE html><table><tr><td>a<br/>b<o:p></o:p></td></tr></table>",
            // Raw text is skipped to its end tag, as the tokenizer skips it.
            "<script>if (a<b) x('</scripty>');</SCRIPT ><table><tr><td>a</td></tr></table>",
            // Attributes that are not read are not looked into (an entity, a repeat).
            "<table><tr><td title=\"a&amp;b\" class=a class=b>x</td></tr></table>",
        ] {
            assert!(fast(page), "{page}");
            read(page);
        }
        for page in [
            "<table><tr><td>a &copy b</td></tr></table>",
            "<table><tr><td>a < b</td></tr></table>",
            "<table><tr><td>&#128;&bogus;</td></tr></table>",
            "<table><tr><td colspan=\"&#50;\">x</td><td>y</td></tr></table>",
            "<table><tr><td title=\"a&amp;b\" rowspan=2>x</td></tr><tr><td>y</td></tr></table>",
        ] {
            assert!(!fast(page), "{page}");
            read(page);
        }
        // Everything after <plaintext> is text: no table.
        assert!(!fast("<plaintext><table>"));
        // The fixtures are read by the fast path, with the tokenizer's grids.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/web");
        for f in [
            "utf8/导出.xls",
            "gb2312/组织台账.xls",
            "gb2312/社区名单.xls",
        ] {
            let bytes = std::fs::read(dir.join(f)).unwrap();
            let text = match std::str::from_utf8(&bytes) {
                Ok(t) => t.to_string(),
                Err(_) => encoding_rs::GBK.decode(&bytes).0.into_owned(),
            };
            assert!(fast(&text), "{f}");
            read(&text);
        }
    }

    /// Each row's cells as text ("" for empty), trailing empties dropped.
    fn texts(g: &Grid) -> Vec<(u32, Vec<String>)> {
        g.rows
            .iter()
            .map(|r| {
                (
                    r.number,
                    r.cells.iter().map(|c| c.text().into_owned()).collect(),
                )
            })
            .collect()
    }

    fn row(n: u32, cells: &[&str]) -> (u32, Vec<String>) {
        (n, cells.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn common_entities_are_the_standards() {
        for name in ["nbsp", "amp", "lt", "gt", "quot"] {
            let c = common_entity(name).map(u32::from);
            let key = format!("{name};");
            let standard = html5ever::data::NAMED_ENTITIES.get(key.as_str());
            assert_eq!(c.map(|c| (c, 0)), standard.copied(), "{name}");
        }
        assert_eq!(common_entity("copy"), None);
    }

    #[test]
    fn entities_br_and_whitespace() {
        let g = read(
            "<table><tr><td>A&amp;B &lt;1&gt; &#x4E2D;&#25991; &copy</td>\
             <td>统一社会<br>信用代码</td><td>\n   小店区\n  </td><td>&nbsp;</td><td>x</td></tr></table>",
        );
        let g = &g.grids[0];
        assert_eq!(
            texts(g),
            vec![row(
                1,
                &["A&B <1> 中文 ©", "统一社会 信用代码", "小店区", "", "x"]
            )]
        );
        assert_eq!(g.rows[0].cells[3], Cell::Empty);
        assert_eq!(g.encoding.as_deref(), Some("HTML 表格 / HTML table, UTF-8"));
    }

    #[test]
    fn colspan_and_rowspan_are_laid_out_as_merged_cells() {
        // Row 1: a title across 4 columns; rows 2–3: 序号 and 名称 span two rows, 所在地
        // spans two columns; rows 4–6: the county spans three rows.
        let g = read(
            "<table>\
             <tr><td colspan=4>标题</td></tr>\
             <tr><th rowspan=2>序号</th><th rowspan='2'>名称</th><th colspan=\"2\">所在地</th></tr>\
             <tr><th>县区</th><th>社区</th></tr>\
             <tr><td>1</td><td>甲</td><td rowspan=3>城区</td><td>一社区</td></tr>\
             <tr><td>2</td><td>乙</td><td>二社区</td></tr>\
             <tr><td>3</td><td>丙</td><td>三社区</td></tr>\
             </table>",
        );
        let g = &g.grids[0];
        assert_eq!(
            texts(g),
            vec![
                row(1, &["标题"]),
                row(2, &["序号", "名称", "所在地"]),
                row(3, &["", "", "县区", "社区"]),
                row(4, &["1", "甲", "城区", "一社区"]),
                row(5, &["2", "乙", "", "二社区"]),
                row(6, &["3", "丙", "", "三社区"]),
            ]
        );
        assert_eq!(
            g.merges,
            vec![
                Merge {
                    rows: (1, 1),
                    cols: (0, 3)
                },
                Merge {
                    rows: (2, 3),
                    cols: (0, 0)
                },
                Merge {
                    rows: (2, 3),
                    cols: (1, 1)
                },
                Merge {
                    rows: (2, 2),
                    cols: (2, 3)
                },
                Merge {
                    rows: (4, 6),
                    cols: (2, 2)
                },
            ]
        );
    }

    #[test]
    fn unclosed_cells_rows_and_table() {
        let g = read("<table><tr><td>a<td>b<tr><td>c<td><b>d</b><td>e");
        assert_eq!(
            texts(&g.grids[0]),
            vec![row(1, &["a", "b"]), row(2, &["c", "d", "e"])]
        );
        // A cell outside any <tr> starts a row.
        let g = read("<table><td>x</td></table>");
        assert_eq!(texts(&g.grids[0]), vec![row(1, &["x"])]);
    }

    #[test]
    fn spans_are_clamped() {
        // A colspan of a million takes no million cells; the next cell follows the
        // clamped span (1000 columns, the HTML limit).
        let g = read(
            "<table><tr><td colspan=1000000>a</td><td>b</td></tr>\
             <tr><td rowspan=99999999>c</td><td>d</td></tr><tr><td>e</td></tr></table>",
        );
        let g = &g.grids[0];
        assert_eq!(g.rows[0].cells.len(), 1001);
        assert_eq!(g.rows[0].cells[1000], Cell::Text("b".into()));
        assert_eq!(texts(g)[2], row(3, &["", "e"]));
        // The rowspan's region ends at the table's last row.
        assert!(
            g.merges.contains(&Merge {
                rows: (2, 3),
                cols: (0, 0)
            }),
            "{:?}",
            g.merges
        );
        // Against a small column limit: the span stops at the limit, and a cell beyond
        // it is an error naming the place.
        let limits = Limits {
            columns: 5,
            ..Limits::default()
        };
        let g = read_bytes(b"<table><tr><td colspan=9>a</td></tr></table>", limits).unwrap();
        assert_eq!(
            g.grids[0].merges,
            vec![Merge {
                rows: (1, 1),
                cols: (0, 4)
            }]
        );
        let e = read_bytes(
            b"<table><tr><td colspan=5>a</td><td>b</td></tr></table>",
            limits,
        )
        .unwrap_err();
        assert!(
            matches!(
                e,
                IngestError::OverLimit {
                    row: 1,
                    column: Some(6),
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("t.xls#表1"), "{e}");
        // Rows and characters too.
        let rows = Limits {
            rows: 2,
            ..Limits::default()
        };
        let e = read_bytes(b"<table><tr><td>1<tr><td>2<tr><td>3</table>", rows).unwrap_err();
        assert!(matches!(e, IngestError::OverLimit { row: 3, .. }), "{e}");
        let chars = Limits {
            cell_chars: 10,
            ..Limits::default()
        };
        let long = format!("<table><tr><td>{}</td></tr></table>", "字".repeat(50_000));
        let e = read_bytes(long.as_bytes(), chars).unwrap_err();
        assert!(
            matches!(
                e,
                IngestError::OverLimit {
                    row: 1,
                    column: Some(1),
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn tables_are_named_by_caption_heading_or_number() {
        let g = read(
            "<h2>社区名单</h2><table><tr><td>a</td></tr></table>\
             <table><caption> 组织 台账 </caption><tr><td>b</td></tr></table>\
             <table><tr><td>c</td></tr></table>\
             <h3>社区名单</h3><table><tr><td>d</td></tr></table>\
             <table></table>",
        );
        let names: Vec<_> = g.grids.iter().map(|g| g.sheet.clone().unwrap()).collect();
        assert_eq!(names, ["社区名单", "组织 台账", "表3", "社区名单 (2)"]);
        assert_eq!(g.ignored.len(), 1, "the empty fifth table");
        assert_eq!(g.ignored[0].sheet.as_deref(), Some("表5"));
    }

    #[test]
    fn nested_tables_style_and_script_are_not_cells() {
        let g = read(
            "<style>td{x:1}</style><script>var s='<table><tr><td>no</td></tr></table>';</script>\
             <table><tr><td>a<table><tr><td>b</td><td>c</td></tr></table></td><td>d</td></tr></table>",
        );
        assert_eq!(g.grids.len(), 1);
        assert_eq!(texts(&g.grids[0]), vec![row(1, &["a b c", "d"])]);
    }

    #[test]
    fn text_markers_and_excel_numbers() {
        // Codes stay as written; a General cell Excel showed in E notation takes x:num.
        let g = read(
            "<table><tr><td style=\"mso-number-format:'\\@'\">0012345678901234567</td>\
             <td x:str>51140302MJY1234567</td>\
             <td x:num=\"140302001001\">1.40302E+11</td>\
             <td x:num=\"140302001001\" style='mso-number-format:\"\\@\"'>1.40302E+11</td></tr></table>",
        );
        assert_eq!(
            texts(&g.grids[0]),
            vec![row(
                1,
                &[
                    "0012345678901234567",
                    "51140302MJY1234567",
                    "140302001001",
                    "1.40302E+11"
                ]
            )]
        );
    }

    #[test]
    fn charset_from_bom_meta_or_sniffing() {
        let body = "<table><tr><td>阳泉市</td><td>盂县</td></tr></table>";
        let gbk = |s: &str| encoding_rs::GBK.encode(s).0.into_owned();
        let enc = |bytes: &[u8]| {
            let g = read_bytes(bytes, Limits::default()).unwrap();
            assert_eq!(texts(&g.grids[0]), vec![row(1, &["阳泉市", "盂县"])]);
            g.grids[0].encoding.clone().unwrap()
        };
        // Declared by <meta http-equiv>, GB2312 read as GBK.
        let page = format!("<html><head><meta http-equiv=Content-Type content=\"text/html; charset=gb2312\"></head><body>{body}");
        assert_eq!(enc(&gbk(&page)), "HTML 表格 / HTML table, GB2312");
        // <meta charset>.
        let page = format!("<meta charset='GBK'>{body}");
        assert_eq!(enc(&gbk(&page)), "HTML 表格 / HTML table, GBK");
        // No declaration: sniffed as for a CSV.
        assert_eq!(enc(&gbk(body)), "HTML 表格 / HTML table, GBK");
        assert_eq!(enc(body.as_bytes()), "HTML 表格 / HTML table, UTF-8");
        // A BOM wins over a wrong declaration.
        let page = format!("\u{feff}<meta charset=gb2312>{body}");
        assert_eq!(enc(page.as_bytes()), "HTML 表格 / HTML table, UTF-8 (BOM)");
        let mut utf16 = vec![0xFF, 0xFE];
        for u in body.encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        assert_eq!(enc(&utf16), "HTML 表格 / HTML table, UTF-16LE");
        // Declared UTF-8 but written in GBK: detected, and the label says so.
        let page = format!("<meta charset=utf-8>{body}");
        assert_eq!(
            enc(&gbk(&page)),
            "HTML 表格 / HTML table, GBK (声明为 UTF-8 / declared UTF-8)"
        );
        assert_eq!(
            charset_in_content("text/html;charset=\"GB2312\""),
            Some("gb2312".into())
        );
        assert_eq!(charset_in_content("text/html"), None);
    }

    /// A large page decoded in two halves at once, through a small buffer: the text, or
    /// the offset of the first bad byte, that one decoding gives (a bad byte in either
    /// half, a lead byte before the line feed where the page is cut, none).
    #[test]
    fn parallel_decoding_equals_one_pass() {
        let line = "<tr><td>阳泉市</td><td>盂县</td><td>€ x</td></tr>\n";
        let text = line.repeat((PARALLEL_DECODE / line.len()) * 2 + 7);
        for enc in [encoding_rs::GBK, encoding_rs::GB18030, encoding_rs::BIG5] {
            let body = enc.encode(&text).0.into_owned();
            assert!(body.len() >= PARALLEL_DECODE);
            let whole = decode_strict(enc, &body);
            assert_eq!(decode_text(enc, &body, true), whole);
            let mid = body.len() / 2;
            let cut = mid + body[mid..].iter().position(|b| *b == b'\n').unwrap();
            for at in [3, mid - 5, cut - 1, cut, cut + 1, body.len() - 3] {
                for bad in [&[0xFFu8][..], &[0x81, b'\n'][..], &[0x81][..]] {
                    let mut b = body.clone();
                    b.splice(at..at, bad.iter().copied());
                    let want = decode_strict(enc, &b);
                    // A lone lead byte may start a valid pair with the next byte.
                    assert!(want.is_err() || bad == [0x81], "{at} {bad:?}");
                    assert_eq!(decode_text(enc, &b, true), want, "{enc:?} {at} {bad:?}");
                }
            }
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &b"<html><body>no table here</body></html>"[..],
            b"<",
            b"<table",
            b"<table><tr><td>\xFF\xFE\xFD</td>",
            b"<table>\x00\x01",
            b"<<<<>>>><table></table>",
        ] {
            match read_bytes(bytes, Limits::default()) {
                Ok(g) => panic!("{bytes:?}: {g:?}"),
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
        // A cut-off page: what was read stands.
        let g = read("<table><tr><td>a</td><td>b");
        assert_eq!(texts(&g.grids[0]), vec![row(1, &["a", "b"])]);
    }
}

#[cfg(test)]
mod mutations {
    use super::*;

    /// Deterministic mutations of a small export (bytes flipped, cut, markup characters
    /// inserted): every one is read or refused, never a panic or a hang, and whenever the
    /// fast path takes a page its grids are the tokenizer's.
    #[test]
    fn mutated_pages_never_panic() {
        let page = "<html><head><meta charset=utf-8><style>td{}</style></head><body>\
            <h2>名单</h2><table><caption>组织</caption><tr><th colspan=2>所在地</th>\
            <th rowspan=2>名称</th></tr><tr><td>县区<td>社区</tr><tr><td rowspan=2>城区\
            <td x:num=\"1\">1.0E+1<td style=\"mso-number-format:'\\@'\">001&amp;&#20013;<br>\
            </table><table><tr><td>&nbsp;</td></tr></table></body></html>";
        let mut next = crate::testutil::xorshift(0x9E37_79B9_7F4A_7C15u64);
        let limits = Limits {
            rows: 50,
            columns: 40,
            cell_chars: 100,
            ..Limits::default()
        };
        let none = ProgressHook::default();
        let runs: usize = std::env::var("MUTATION_RUNS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(3000);
        for _ in 0..runs {
            let mut b = page.as_bytes().to_vec();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % b.len().max(1);
                match next() % 5 {
                    0 => b.truncate(at),
                    1 => {
                        if let Some(x) = b.get_mut(at) {
                            *x = (next() % 256) as u8;
                        }
                    }
                    2 => b.insert(at.min(b.len()), b"<&\"'>/="[(next() % 7) as usize]),
                    3 => {
                        let s = [
                            "<td colspan=99999>",
                            "<tr>",
                            "</table>",
                            "<table>",
                            "&#0;",
                            "<!--",
                            "<script>",
                        ];
                        let s = s[(next() % 7) as usize].as_bytes();
                        let at = at.min(b.len());
                        b.splice(at..at, s.iter().copied());
                    }
                    _ => {
                        let end = (at + (next() as usize) % 20).min(b.len());
                        b.drain(at..end);
                    }
                }
            }
            let result = read_html(Path::new("m.xls"), b.clone(), None, &limits, &none);
            if let Ok(text) = std::str::from_utf8(&b) {
                if let Ok(Some(fast)) = read_fast(Path::new("m.xls"), text, "x", &limits, &none) {
                    let slow = read_tokenized(Path::new("m.xls"), text, "x".into(), &limits, &none);
                    match slow {
                        Ok(slow) => {
                            assert_eq!(fast.grids, slow.grids, "{text}");
                            assert_eq!(fast.ignored, slow.ignored, "{text}");
                        }
                        Err(e) => panic!("fast read it, the tokenizer refused: {e}\n{text}"),
                    }
                }
            }
            drop(result);
        }
    }
}
