#!/bin/sh
# book-pages.sh -- the book's pages as build/md renders them, on a small
# repository made in a temporary directory: titles are the first level-1
# heading as Markdown reads it (emphasis marks gone, a "# " line inside an
# HTML comment or a code block no heading), headings get GitHub's ids,
# links go to the book's pages, excerpts say where they come from, and the
# answers are folded. Run from the repository root after `make`.
# BOOK_DIR names another tools/instruments/book to test.
set -u
. "$(dirname "$0")/lib.sh"
root=$(pwd)
BOOK_DIR=${BOOK_DIR:-$root/tools/instruments/book}
export B="$root/build"
need "$B/md"
# has FILE TEXT NAME: FILE holds TEXT (a fixed string).
has() {
  if grep -qF -- "$2" "$T/repo/out/$1"; then ok "$3"; else
    notok "$3: no '$2' in $1"
    quote "$T/repo/out/$1" 40
  fi
}

mkdir -p "$T/repo/tools/instruments" "$T/repo/chapters" "$T/repo/src" || exit 3
cp -R "$BOOK_DIR" "$T/repo/tools/instruments/book" || exit 3
cd "$T/repo" || exit 3
printf '# The _workbook_\n' >README.md
printf 'int main(void) {\n  /* @snippet body */\n' >src/x.c
printf '  return 0;\n  /* @end */\n}\n' >>src/x.c
cat >chapters/01-one.md <<'EOF2'
<!--
# Not the title
-->

# The *first* `one`

See [the second](02-two.md#why-its-so), `src/x.c` and [the source](../src/x.c).

```c snippet=src/x.c:body
  return 0;
```

## Answers

1. Yes.
2. No.
EOF2
cat >chapters/02-two.md <<'EOF2'
```text illustration
# not a heading
```

# Two

## Why it's so
EOF2

if sh tools/instruments/book/build.sh --no-figures -o out >"$T/build.out" 2>&1
then
  ok "the book builds"
else
  notok "the book builds"
  quote "$T/build.out"
fi
has 01-one.html '<title>The first one</title>' \
  "a title is the heading's text, without Markdown's marks"
has 01-one.html '<a href="01-one.html" aria-current="page">The first one</a>' \
  "the sidebar names the chapter by its title"
has 02-two.html '<title>Two</title>' \
  "a '# ' line in a code block is no title"
has index.html '<p class="book"><a href="index.html">The workbook</a></p>' \
  "the book's title is the README's"
has 02-two.html '<h2 id="why-its-so">Why it'"'"'s so</h2>' \
  "headings get GitHub's anchors"
has 01-one.html '<a href="02-two.html#why-its-so">the second</a>' \
  "a link to a chapter goes to its page"
code='<code>src/x.c</code>'
has 01-one.html "<a class=\"src\" href=\"src/src/x.c.html\">$code</a>" \
  "inline code naming a file links to its page"
has 01-one.html '<a href="src/src/x.c.html">the source</a>' \
  "a relative link to a file goes to its source page"
has 01-one.html \
  "#snippet-body\">$code</a>, region <code>body</code></p>" \
  "an excerpt says where it comes from"
has 01-one.html \
  '<li><details class="answer"><summary>Answer 2</summary>No.</details></li>' \
  "the answers are folded"
check "a linked file has a page" [ -f out/src/src/x.c.html ]

finish
