#!/bin/sh
# check-book.sh -- checks the HTML workbook in a real browser: builds it,
# screenshots every chapter page in headless Chromium and fails on a blank
# page, a missing figure, a link to a file that does not exist, an anchor
# that no page defines, or a contents sidebar that does not list every
# chapter with the current one marked. Skips (exit 0) without Chromium.
#
# Run from the repository root after `make all`. Options: --no-build checks
# build/book as it is. Environment: CHECK_BOOK_INSTALL=1 installs chromium
# with apt-get when it is missing and this runs as root. Exit: 0 passed or
# skipped, 1 a check failed, 3 setup failure.
set -u
book=build/book
build=1
case ${1:-} in
--no-build) build=0 ;;
"") ;;
*) echo "check-book.sh: unknown argument '$1' (options: --no-build)" >&2; exit 2 ;;
esac

browser=
find_browser() {
  for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; return 0; fi
  done
  return 1
}
if ! find_browser; then
  if [ "${CHECK_BOOK_INSTALL:-0}" = 1 ] && [ "$(id -u)" = 0 ]; then
    echo "check-book.sh: installing chromium (CHECK_BOOK_INSTALL=1)"
    apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; }
    find_browser || { echo "check-book.sh: chromium could not be installed" >&2; exit 3; }
  else
    echo "SKIP: check-book.sh needs chromium, which is not installed (as root, CHECK_BOOK_INSTALL=1 installs it)"
    exit 0
  fi
fi
command -v python3 >/dev/null 2>&1 || { echo "SKIP: check-book.sh needs python3 to read the screenshots"; exit 0; }

if [ "$build" = 1 ]; then
  echo "check-book.sh: building the book (tools/instruments/book/build.sh)"
  tools/instruments/book/build.sh || { echo "check-book.sh: tools/instruments/book/build.sh failed" >&2; exit 3; }
fi
[ -f "$book/index.html" ] || { echo "check-book.sh: $book/index.html does not exist" >&2; exit 3; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-book.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT INT TERM
shots=$book/screenshots
rm -rf "$shots" && mkdir -p "$shots" || exit 3

# One screenshot per page at the top level of the book (index and chapters),
# and one of every timeline figure on its own (fig-NAME.png), so that an SVG
# that renders blank cannot hide below the fold of its page.
fails=0
for page in "$book"/*.html "$book"/figures/*.svg; do
  [ -f "$page" ] || continue
  name=${page##*/}
  case $name in
  *.svg) png=$shots/fig-${name%.svg}.png ;;
  *) png=$shots/${name%.html}.png ;;
  esac
  mkdir -p "$tmp/profile"
  timeout 90 "$browser" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --user-data-dir="$tmp/profile" --screenshot="$png" \
    --window-size=1280,900 "file://$(pwd)/$page" >"$tmp/browser.log" 2>&1
  rc=$?
  rm -rf "$tmp/profile"
  if [ ! -s "$png" ]; then
    echo "FAIL: $page: no screenshot (browser exit $rc): $(grep -v dbus "$tmp/browser.log" | tail -n 1)"
    fails=$((fails + 1))
  fi
done

# The screenshots, links, figures and sidebars, checked in one pass.
python3 - "$book" "$shots" chapters <<'EOF' || fails=$((fails + 1))
import html.parser, os, struct, sys, urllib.parse, zlib

book, shots, chapdir = sys.argv[1:4]
failures = 0

def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg)

def single_colour(path):
    """True when the PNG has one colour: every row, unfiltered, repeats the
    first pixel. Rather than unfilter (slow in Python), each row is compared
    with what each PNG filter type makes of a uniform row."""
    d = open(path, "rb").read()
    if d[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    while pos < len(d):
        n, = struct.unpack(">I", d[pos:pos + 4])
        kind, body = d[pos + 4:pos + 8], d[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or interlace != 0 or ctype not in (0, 2, 4, 6):
        raise ValueError("unsupported PNG layout")
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * bpp
    c = raw[1:1 + bpp]  # the first pixel is stored as is by every filter
    rest = stride - bpp
    half = bytes((x - x // 2) & 255 for x in c)
    first = {0: c * w, 1: c + bytes(rest), 2: c * w,
             3: c + bytes((x - x // 2) & 255 for x in c) * (w - 1),
             4: c + bytes(rest)}
    later = {0: c * w, 1: c + bytes(rest), 2: bytes(stride),
             3: half + bytes(rest), 4: bytes(stride)}
    for y in range(h):
        row = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        want = (first if y == 0 else later).get(row[0])
        if want is None or row[1:] != want:
            return False
    return True

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.ids, self.toc, self.current = [], set(), [], []
        self.in_toc = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "nav" and a.get("class") == "toc":
            self.in_toc = True
        for key in ("href", "src", "data"):
            if key in a and a[key] is not None:
                self.refs.append((tag, key, a[key]))
        if self.in_toc and tag == "a" and a.get("href", "").endswith(".html") \
                and "index.html" not in a["href"]:
            self.toc.append(a["href"])
            if a.get("aria-current") == "page":
                self.current.append(a["href"])
    def handle_endtag(self, tag):
        if tag == "nav":
            self.in_toc = False

pages = {}
for top, dirs, files in os.walk(book):
    for f in files:
        if f.endswith(".html"):
            p = os.path.join(top, f)
            parser = Page()
            parser.feed(open(p, encoding="utf-8").read())
            pages[os.path.normpath(p)] = parser

chapters = sorted(f[:-3] for f in os.listdir(chapdir) if f.endswith(".md"))
links = figures = 0
sidebar = {}  # one failure per distinct sidebar problem, not per page
for path, pg in sorted(pages.items()):
    here = os.path.dirname(path)
    for tag, key, url in pg.refs:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme or parts.netloc:
            continue  # the book itself never needs the network
        target = os.path.normpath(os.path.join(here, urllib.parse.unquote(parts.path))) \
            if parts.path else path
        if tag in ("img", "object") or key in ("src", "data"):
            figures += 1
            if not os.path.isfile(target) or os.path.getsize(target) == 0:
                fail("%s: figure %s: %s is missing or empty" % (path, url, target))
            continue
        links += 1
        if not os.path.exists(target):
            fail("%s: link %s: %s does not exist" % (path, url, target))
        elif parts.fragment and target in pages and parts.fragment not in pages[target].ids:
            fail("%s: link %s: %s has no id '%s'" % (path, url, target, parts.fragment))
    # Every page's sidebar lists every chapter; a chapter page marks itself.
    names = [os.path.basename(h)[:-5] for h in pg.toc]
    if sorted(names) != chapters:
        missing = sorted(set(chapters) - set(names))
        extra = sorted(set(names) - set(chapters))
        why = "the sidebar lists %d chapters, chapters/ has %d%s%s" % (
            len(names), len(chapters),
            " (missing: %s)" % ", ".join(missing) if missing else "",
            " (not in chapters/: %s)" % ", ".join(extra) if extra else "")
        sidebar.setdefault(why, []).append(path)
    base = os.path.basename(path)[:-5]
    if os.path.dirname(path) == os.path.normpath(book) and base in chapters:
        if [os.path.basename(h)[:-5] for h in pg.current] != [base]:
            fail("%s: the sidebar marks %s as current, not %s" % (path, pg.current or "nothing", base))

for why, where in sorted(sidebar.items()):
    fail("%s: %s%s" % (where[0], why,
                       " (and on %d more pages)" % (len(where) - 1) if len(where) > 1 else ""))
print("checked: %d pages, %d relative links, %d figure references checked" % (len(pages), links, figures))

shots_checked = figure_shots = 0
for f in sorted(os.listdir(shots)):
    p = os.path.join(shots, f)
    try:
        if single_colour(p):
            fail("%s: the %s rendered blank (one colour)" % (p, "figure" if f.startswith("fig-") else "page"))
        if f.startswith("fig-"):
            figure_shots += 1
        else:
            shots_checked += 1
    except (ValueError, zlib.error, UnboundLocalError) as e:
        fail("%s: cannot read the screenshot: %s" % (p, e))
top = [p for p in pages if os.path.dirname(p) == os.path.normpath(book)]
if shots_checked != len(top):
    fail("%d screenshots for %d pages" % (shots_checked, len(top)))
print("checked: %d page screenshots, %d figure screenshots" % (shots_checked, figure_shots))
sys.exit(1 if failures else 0)
EOF

# Figures a person can read, measured in the browser at 100% zoom and the
# screenshots' window width: each figure SVG is placed inline in a page
# laid out by the book's own stylesheet, as wide as a chapter's figures,
# and a small script reads from the DOM its rendered scale, the computed
# font size of every label and message (times that scale: the size on
# screen), its lanes (data-lanes, or the lane rectangles) and its natural
# width against the page's. A figure fails with labels under 11 px, more
# than 20 lanes, or a width the page must shrink. Every scenario's chapter
# has both figures, bug above fix.
figs=$(cd "$book" && ls figures/*.svg 2>/dev/null)
{
  printf '<!DOCTYPE html><html><head><meta charset="utf-8">'
  printf '<link rel="stylesheet" href="%s/book.css"></head>' "$(pwd)/$book"
  # The chapter pages' skeleton: the contents column, then the text.
  printf '<body><nav class="toc">contents</nav><main id="main"><div class="figures">'
  printf '<pre id="result">not measured</pre></div></main><script>\n'
  printf 'var figs = ['
  for f in $figs; do printf '"%s",' "$f"; done
  printf '];\n'
  cat <<'JS'
var out = [], main = document.getElementById("result").parentNode;
figs.forEach(function (f) {
  var x = new XMLHttpRequest(), fig, svg, vb, scale, minf = 1e9, n = 0, lanes;
  try { x.open("GET", BOOK + "/" + f, false); x.send(); }
  catch (e) { out.push("ERR " + f + " cannot load: " + e); return; }
  fig = document.createElement("figure");
  fig.className = "timeline";
  fig.innerHTML = x.responseText;
  main.appendChild(fig);
  svg = fig.querySelector("svg");
  if (!svg) { out.push("ERR " + f + " no svg element"); return; }
  svg.style.maxWidth = "100%"; svg.style.height = "auto"; svg.style.display = "block";
  vb = svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width ?
    svg.viewBox.baseVal.width : parseFloat(svg.getAttribute("width"));
  scale = svg.getBoundingClientRect().width / vb;
  svg.querySelectorAll("text").forEach(function (t) {
    if (!t.textContent.trim()) return;
    var c = t.getAttribute("class") || "";
    if (svg.querySelector("text.label") && !/label|msg/.test(c)) return;
    minf = Math.min(minf, parseFloat(getComputedStyle(t).fontSize) * scale);
    n++;
  });
  lanes = svg.getAttribute("data-lanes");
  if (lanes === null) lanes = svg.querySelectorAll("rect.lane").length ||
    "unknown";
  out.push("FIG " + f + " font=" + (n ? minf.toFixed(1) : "none") +
           " lanes=" + lanes + " width=" + vb + " page=" +
           fig.getBoundingClientRect().width.toFixed(0) +
           " msgs=" + svg.querySelectorAll("text.msg").length);
  main.removeChild(fig);
});
document.getElementById("result").textContent = "\n" + out.join("\n") + "\n";
JS
  printf '</script></body></html>\n'
} | sed "s|BOOK + \"/\"|\"file://$(pwd)/$book/\"|" >"$tmp/measure.html"
mkdir -p "$tmp/profile"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
  --allow-file-access-from-files --user-data-dir="$tmp/profile" \
  --window-size=1280,900 --dump-dom "file://$tmp/measure.html" \
  >"$tmp/measure.out" 2>"$tmp/browser.log"
rm -rf "$tmp/profile"
if ! grep -q '^FIG ' "$tmp/measure.out"; then
  echo "FAIL: the figures could not be measured: $(grep -E '^ERR|not measured' "$tmp/measure.out" | head -n 3)"
  fails=$((fails + 1))
else
  if grep -q '^ERR ' "$tmp/measure.out"; then
    grep '^ERR ' "$tmp/measure.out" | sed 's/^ERR /FAIL: /'
    fails=$((fails + 1))
  fi
  bad=$(awk '
    /^FIG / {
      for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      why = ""
      if (v["font"] == "none" || v["font"] + 0 < 11) why = why sprintf("; text %s px on screen (want at least 11)", v["font"])
      if (v["lanes"] == "unknown" || v["lanes"] + 0 > 20) why = why sprintf("; %s lanes (want at most 20)", v["lanes"])
      if (v["width"] + 0 > v["page"] + 0) why = why sprintf("; %s px wide, the page has %s (shrunk to fit)", v["width"], v["page"])
      if (v["msgs"] + 0 == 0) why = why "; no message on any bar"
      if (why != "") printf "FAIL: figure %s%s\n", $2, why
      else printf "  ok: figure %s: text %s px, %s lanes, %s of %s px\n", $2, v["font"], v["lanes"], v["width"], v["page"]
    }' "$tmp/measure.out")
  echo "$bad"
  n=$(echo "$bad" | grep -c '^FAIL')
  fails=$((fails + n))
fi
for d in bugs/[0-9][0-9]-*/; do
  nn=$(basename "$d" | cut -c1-2)
  for v in bug fix; do
    [ -s "$book/figures/$nn-$v.svg" ] || { echo "FAIL: no figure $nn-$v.svg: scenario $nn's chapter lacks its $v timeline"; fails=$((fails + 1)); }
  done
done
# A bug's figure shows the bug: its caption (tools/instruments/book/build.sh says what
# the drawn run did) must say the run broke the invariant.
for page in "$book"/[0-9][0-9]-*.html; do
  [ -f "$page" ] || continue
  if grep -q '<strong>The bug</strong>: \(the invariant held\|the run ended\)' "$page"; then
    echo "FAIL: $page: the bug's timeline is of a run that did not break the invariant"
    fails=$((fails + 1))
  fi
done

echo "screenshots:"
ls "$shots"/*.png 2>/dev/null | sed 's/^/  /'
if [ "$fails" -gt 0 ]; then
  echo "check-book.sh: FAILED"
  exit 1
fi
echo "check-book.sh: the book renders, every page is non-blank, every link and figure resolves, every scenario has both timelines and each can be read at 100%"
exit 0
