#!/bin/sh
# build.sh -- builds the workbook as static HTML in build/book/: one page per
# chapter with a contents sidebar, the timelines of real runs as figures,
# and every source file the chapters link to, readable with no network.
set -u

usage() {
  cat <<'EOF'
usage: tools/instruments/book/build.sh [--no-figures] [-o DIR]
Renders chapters/*.md with build/md, over cmark-gfm, into DIR (default build/book):
index.html (the start page), one NN-slug.html per chapter, book.css,
src/ (the source files the chapters link to, as pages), and, for each
scenario with a bug and a fix build in build/bin, the timelines of one
run of each under the scenario's forced schedule: logs/NN-bug.jsonl,
figures/NN-bug.svg (and -fix), shown in the scenario's chapter.
  --no-figures   do not run the scenarios (no logs, no figures)
  -o DIR         write the book to DIR (removed and rebuilt)
  -h, --help     this text
Run after `make all`. Exit: 0 built (figures that cannot be made are
skipped with a warning), 2 usage, 3 setup failure (build/md not built,
no chapters, cannot write DIR).
EOF
}

out=build/book
figs=1
while [ $# -gt 0 ]; do
  case $1 in
  -h | --help) usage; exit 0 ;;
  --no-figures) figs=0 ;;
  -o)
    [ $# -ge 2 ] || { echo "book: -o needs a directory" >&2; exit 2; }
    out=$2
    shift
    ;;
  *) echo "book: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

# Everything below uses paths relative to the repository root.
root=$(cd "$(dirname "$0")/../../.." && pwd) || exit 3
cd "$root" || exit 3
here=tools/instruments/book
B=${B:-build}

# The Markdown reader: titles and pages from cmark-gfm's syntax tree.
[ -x "$B/md" ] || {
  echo "book: $B/md is not built (run make first)" >&2
  exit 3
}
case $out in
"" | / | . | ..) echo "book: refusing to use '$out' as the output directory" >&2; exit 2 ;;
esac

warn() { echo "book: warning: $*" >&2; }
html() { printf '%s' "$1" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/book.XXXXXX") || exit 3
trap 'rm -rf "$tmp"' EXIT INT TERM

# The chapters in reading order: numbered ones by file name, then any
# others, and the instructor's guide last.
ls chapters/*.md 2>/dev/null | sed 's|^chapters/||; s|\.md$||' |
  LC_ALL=C sort >"$tmp/all"
{
  grep '^[0-9]' "$tmp/all"
  grep -v '^[0-9]' "$tmp/all" | grep -vx 'workshop-guide'
  grep -x 'workshop-guide' "$tmp/all"
} >"$tmp/order"
[ -s "$tmp/order" ] || { echo "book: no chapters/*.md to render" >&2; exit 3; }

# Only a directory that holds a book (or nothing) is removed and rebuilt.
if [ -d "$out" ] && [ ! -f "$out/book.css" ] && [ -n "$(ls -A "$out")" ]; then
  echo "book: $out is not empty and holds no book; not removing it" >&2
  exit 2
fi
rm -rf "$out" && mkdir -p "$out/src" "$out/figures" "$out/logs" || {
  echo "book: cannot create $out" >&2
  exit 3
}
cp "$here/book.css" "$out/book.css" || exit 3

# title FILE: the text of its first level-1 heading, HTML-escaped.
title() { html "$("$B/md" title "$1" 2>/dev/null)"; }
: >"$tmp/titles"
while read -r c; do
  t=$(title "chapters/$c.md")
  [ -n "$t" ] || { warn "chapters/$c.md has no '# ' heading; using its file name"; t=$c; }
  printf '%s\t%s\n' "$c" "$t" >>"$tmp/titles"
done <"$tmp/order"
book_title=$(title README.md 2>/dev/null)
[ -n "$book_title" ] || book_title="Async pitfalls, a runnable workbook in C"
start=
grep -qx '00-start-here' "$tmp/order" && start=00-start-here

# Every repository path a page may link to: "f PATH" for files, "d PATH"
# for their directories. Untracked new files count; build/ never does.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  { git ls-files; git ls-files --others --exclude-standard; } >"$tmp/files"
else
  find . -path ./build -prune -o -path ./.git -prune -o -type f -print |
    sed 's|^\./||' >"$tmp/files"
fi
grep -v '^build/' "$tmp/files" | while read -r f; do [ -f "$f" ] && echo "$f"; done |
  LC_ALL=C sort -u >"$tmp/f"
awk '{ n = split($0, p, "/"); d = p[1]; for (i = 2; i < n; i++) { print d; d = d "/" p[i] } if (n > 1) print d }' \
  "$tmp/f" | LC_ALL=C sort -u >"$tmp/d"
{ sed 's/^/f /' "$tmp/f"; sed 's/^/d /' "$tmp/d"; } >"$tmp/known"

# page_head PREFIX CURRENT TITLE: the top of a page PREFIX levels below the
# book's root, with the contents sidebar; CURRENT is the chapter to mark.
page_head() {
  cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$3</title>
<link rel="stylesheet" href="$1book.css">
</head>
<body>
<nav class="toc" aria-label="Contents">
<p class="book"><a href="$1index.html">$book_title</a></p>
<ol>
EOF
  # Its own names: callers loop over the chapters with c and t.
  while IFS='	' read -r nc nt; do
    if [ "$nc" = "$2" ]; then
      printf '<li><a href="%s%s.html" aria-current="page">%s</a></li>\n' "$1" "$nc" "$nt"
    else
      printf '<li><a href="%s%s.html">%s</a></li>\n' "$1" "$nc" "$nt"
    fi
  done <"$tmp/titles"
  printf '</ol>\n</nav>\n<main>\n'
}
page_foot() { printf '</main>\n</body>\n</html>\n'; }

# The figures: for each scenario built with a bug and a fix, one run of
# each under its forced schedule, rendered as swimlanes. What to run comes
# from the scenario's file (bugs/NN-slug/scenario.conf, read through
# `build/gallery info --json`): figure_args, small runs, so that each
# figure can be read at 100% in a chapter (at most 20 lanes, every bar's
# messages on it; tests/check-book.sh measures them), under
# compare_schedule, or figure_schedule where that one does not fit them.
# A bug that logs nothing itself is drawn from the scheduler's record.
# figure NN VARIANT SCHEDULE OWN ARGS: runs it, renders the SVG, and appends
# the <figure> to $tmp/fig.html (a note instead when it cannot, with a
# warning). OWN is 1 when SCHEDULE is the figures' own (figure_schedule),
# which is kept; the compare schedule gives way to a natural run where it
# leaves no log. ARGS are the program's.
# The width a figure is drawn for: a chapter's text column (book.css:
# main is 52rem wide with 2.5rem of padding each side, 752 px at 16 px).
FIG_WIDTH=740
figure() {
  log=$out/logs/$1-$2.jsonl
  svg=$out/figures/$1-$2.svg
  own=$4
  extra=${5:+-- $5}
  rm -f "$log"
  case $3 in
  *[!A-Za-z0-9_.:,-]*) q="'$3'" ;;
  *) q=$3 ;;
  esac
  set -f
  run="build/gallery run $1 --$2 --schedule $q --log $log${extra:+ $extra}"
  timeout 60 "$B/gallery" run "$1" "--$2" --schedule "$3" --log "$log" $extra >"$out/logs/$1-$2.out" 2>&1
  rc=$?
  case $own in
  1) ;;
  *)
    if [ ! -s "$log" ] || [ "$rc" = 2 ]; then
      # Some variants write no log under a schedule (their scheduled mode
      # runs on threads that do not log), and the bug's script need not
      # fit the fix (exit 2): a natural run is the next best.
      run="build/gallery run $1 --$2 --log $log${extra:+ $extra}"
      timeout 60 "$B/gallery" run "$1" "--$2" --log "$log" $extra >"$out/logs/$1-$2.out" 2>&1
      rc=$?
    fi
    ;;
  esac
  set +f
  if [ ! -s "$log" ]; then
    warn "no figure for $1 $2: '$run' wrote no log (exit $rc)"
    rm -f "$log"
    printf '<p class="nofig">No timeline of the %s: <code>%s</code> wrote no log.</p>\n' "$2" "$(html "$run")" >>"$tmp/fig.html"
    return 1
  fi
  # Exit 1 means the checks found violations, which the SVG shows in red.
  # Drawn for the page: read at 100%, never shrunk (tests/check-book.sh
  # measures it).
  "$B/trace" --format svg --width "$FIG_WIDTH" -o "$svg" "$log" >"$tmp/trace.out" 2>&1
  trc=$?
  if [ "$trc" -gt 1 ] || [ ! -s "$svg" ]; then
    warn "no figure for $1 $2: build/trace cannot render $log: $(head -n 1 "$tmp/trace.out")"
    rm -f "$svg"
    printf '<p class="nofig">No timeline of the %s: <code>build/trace</code> cannot draw <a href="logs/%s-%s.jsonl">its log</a>: %s</p>\n' \
      "$2" "$1" "$2" "$(html "$(head -n 1 "$tmp/trace.out")")" >>"$tmp/fig.html"
    return 1
  fi
  # A bug's figure is there to show the bug: a run of it that held the
  # invariant is said in the caption and warned about here, and
  # tests/check-book.sh fails on it.
  [ "$2" = bug ] && [ "$rc" != 1 ] &&
    warn "the bug's figure for $1 shows a run that did not break the invariant (exit $rc): $run"
  case $rc in
  0) said="the invariant held on this run" ;;
  1) said="this run broke the invariant" ;;
  *) said="the run ended with exit $rc" ;;
  esac
  if [ "$2" = bug ]; then what="The bug"; else what="The fix"; fi
  cat >>"$tmp/fig.html" <<EOF
<figure class="timeline">
<a href="figures/$1-$2.svg"><img src="figures/$1-$2.svg" alt="$what of scenario $1 as a timeline: one lane per operation, file order from left to right"></a>
<figcaption><strong>$what</strong>: $said. Each bar is one operation with
its messages; hovering over a dot shows that event's. Made by these commands
(the log: <a href="logs/$1-$2.jsonl">logs/$1-$2.jsonl</a>):
<pre class="cmd"><code>$(html "$run")
$(html "build/trace --format svg --width $FIG_WIDTH -o $svg $log")</code></pre></figcaption>
</figure>
EOF
  return 0
}
if [ "$figs" = 1 ]; then
  if [ ! -x "$B/gallery" ] || [ ! -x "$B/trace" ]; then
    warn "build/gallery or build/trace is not built: no figures (run make first)"
  elif ! "$B/gallery" info --json >"$tmp/scenarios.json"; then
    warn "build/gallery info --json failed: no figures"
  else
    for bug in "$B"/bin/[0-9][0-9]-*-bug; do
      [ -x "$bug" ] || continue
      scen=${bug##*/}
      scen=${scen%-bug}
      nn=${scen%%-*}
      [ -x "$B/bin/$scen-fix" ] || continue
      # fact KEY: the scenario's value, a list as its words.
      fact() {
        jq -r --arg s "$scen" --arg k "$1" '.[] | select(.name == $s) | .[$k] |
          if type == "array" then join(" ") elif . == null then "" else . end' \
          "$tmp/scenarios.json"
      }
      ch=$(fact chapter)
      ch=${ch##*/}
      ch=${ch%.md}
      [ -n "$ch" ] || ch=$scen
      if ! grep -qx "$ch" "$tmp/order"; then
        warn "no figures for $scen: its chapter chapters/$ch.md does not exist yet"
        continue
      fi
      own=1
      sched=$(fact figure_schedule)
      [ -n "$sched" ] || { own=0; sched=$(fact compare_schedule); }
      : >"$tmp/fig.html"
      args=$(fact figure_args)
      figure "$nn" bug "$sched" "$own" "$args"
      figure "$nn" fix "$sched" "$own" "$args"
      if grep -q '<figure' "$tmp/fig.html"; then
        { printf '<div class="figures">\n'; cat "$tmp/fig.html"; printf '</div>\n'; } >>"$tmp/$ch.fig"
        echo "book: figures for $scen in $ch.html"
      fi
    done
  fi
fi

# The chapters.
: >"$tmp/refs"
chapters=$(tr '\n' ' ' <"$tmp/order")
prev=
while IFS='	' read -r c t; do
  fig=
  [ -s "$tmp/$c.fig" ] && fig=$tmp/$c.fig
  # The page: heading ids, links to chapters and source pages, excerpts'
  # origins, the figures and the folded answers (tools/instruments/md).
  "$B/md" html --known "$tmp/known" --chapters "$chapters" --here chapters \
    --refs "$tmp/refs" --figures "$fig" "chapters/$c.md" >"$tmp/body" || {
    echo "book: build/md cannot render chapters/$c.md" >&2
    exit 3
  }
  next=$(awk -F '	' -v c="$c" 'found { print $1; exit } $1 == c { found = 1 }' "$tmp/titles")
  {
    page_head "" "$c" "$t"
    cat "$tmp/body"
    printf '<nav class="pager">'
    [ -n "$prev" ] && printf '<a rel="prev" href="%s.html">&larr; %s</a>' "$prev" "$(grep "^$prev	" "$tmp/titles" | cut -f 2)"
    [ -n "$next" ] && printf '<a rel="next" href="%s.html">%s &rarr;</a>' "$next" "$(grep "^$next	" "$tmp/titles" | cut -f 2)"
    printf '</nav>\n'
    page_foot
  } >"$out/$c.html"
  prev=$c
done <"$tmp/titles"

# The start page: the start-here chapter, or a generated contents page.
if [ -n "$start" ]; then
  cp "$out/$start.html" "$out/index.html"
else
  {
    page_head "" "" "$book_title"
    printf '<h1>%s</h1>\n<p>The chapters, in reading order:</p>\n<ol class="contents">\n' "$book_title"
    while IFS='	' read -r c t; do
      printf '<li><a href="%s.html">%s</a></li>\n' "$c" "$t"
    done <"$tmp/titles"
    printf '</ol>\n'
    page_foot
  } >"$out/index.html"
fi

# The source pages: every file linked to, and everything under a directory
# linked to, as src/PATH (the file itself) and src/PATH.html (a page).
grep -Fxf "$tmp/refs" "$tmp/d" >"$tmp/refdirs" 2>/dev/null || :
: >"$tmp/srcdirs"
: >"$tmp/srcfiles"
grep -Fxf "$tmp/refs" "$tmp/f" >>"$tmp/srcfiles" 2>/dev/null || :
while read -r d; do
  echo "$d" >>"$tmp/srcdirs"
  grep "^$d/" "$tmp/d" >>"$tmp/srcdirs"
  grep "^$d/" "$tmp/f" >>"$tmp/srcfiles"
done <"$tmp/refdirs"
LC_ALL=C sort -u -o "$tmp/srcfiles" "$tmp/srcfiles"
LC_ALL=C sort -u -o "$tmp/srcdirs" "$tmp/srcdirs"

# up PATH: "../" once per directory level of src/PATH.
up() { printf '%s' "src/$1" | sed 's|[^/]*/|../|g; s|[^/]*$||'; }
while read -r f; do
  mkdir -p "$out/src/${f%/*}" 2>/dev/null
  cp "$f" "$out/src/$f" || exit 3
  base=${f##*/}
  {
    page_head "$(up "$f")" "" "$f"
    printf '<h1 class="path">%s</h1>\n' "$f"
    printf '<p class="raw"><a href="%s">%s as a plain file</a></p>\n' "$base" "$base"
    printf '<pre class="source"><code>'
    # Regions the chapters excerpt get anchors: /* @snippet NAME */.
    sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g
         s|^\(.*@snippet \([A-Za-z0-9_.-]*\).*\)$|<span id="snippet-\2"></span>\1|' "$f"
    printf '</code></pre>\n'
    page_foot
  } >"$out/src/$f.html"
done <"$tmp/srcfiles"
while read -r d; do
  mkdir -p "$out/src/$d"
  {
    page_head "$(up "$d/index.html")" "" "$d/"
    printf '<h1 class="path">%s/</h1>\n<ul class="listing">\n' "$d"
    grep "^$d/[^/]*$" "$tmp/d" | while read -r s; do
      printf '<li><a href="%s/index.html">%s/</a></li>\n' "${s##*/}" "${s##*/}"
    done
    grep "^$d/[^/]*$" "$tmp/f" | while read -r s; do
      printf '<li><a href="%s.html">%s</a></li>\n' "${s##*/}" "${s##*/}"
    done
    printf '</ul>\n'
    page_foot
  } >"$out/src/$d/index.html"
done <"$tmp/srcdirs"

echo "book: $(wc -l <"$tmp/order") chapters, $(ls "$out"/figures | wc -l) figures, $(wc -l <"$tmp/srcfiles") source files in $out/"
echo "book: open $out/index.html"
