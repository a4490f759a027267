# post.awk -- rewrites one chapter's cmark-gfm HTML for the static book:
# heading ids, links between chapters, links to source pages, inline code
# spans that name a repository file, and the timeline figures.
#
# Variables (awk -v):
#   known    file listing repository paths, "f PATH" or "d PATH" per line
#   chapters space-separated chapter names (file names without .md)
#   here     the directory of the Markdown file, relative to the root
#   refs     file to which every repository path linked to is appended
#   figfile  HTML to insert after the "Look at the timeline" heading, or
#            at the end when there is none; empty for no figures
#   name     the chapter's file name, for warnings
# The HTML is cmark-gfm's: one heading per line, no attributes on <code>
# for inline code, attribute values quoted with ", entities escaped.

BEGIN {
  while ((getline line < known) > 0)
    kind[substr(line, 3)] = substr(line, 1, 1)
  close(known)
  n = split(chapters, cl, " ")
  for (i = 1; i <= n; i++)
    ischap[cl[i]] = 1
  in_a = 0
  placed = (figfile == "")
}

# norm(p): p with "." and ".." folded and empty components dropped; ""
# when ".." would climb above the repository root.
function norm(p,    parts, n, i, out, m, st) {
  n = split(p, parts, "/")
  m = 0
  for (i = 1; i <= n; i++) {
    if (parts[i] == "" || parts[i] == ".")
      continue
    if (parts[i] == "..") {
      if (m == 0)
        return ""
      m--
      continue
    }
    st[++m] = parts[i]
  }
  out = ""
  for (i = 1; i <= m; i++)
    out = out (i > 1 ? "/" : "") st[i]
  return out
}

function unescape(s) {
  gsub(/&lt;/, "<", s)
  gsub(/&gt;/, ">", s)
  gsub(/&quot;/, "\"", s)
  gsub(/&amp;/, "\\&", s)
  return s
}

function escape(s) {
  gsub(/&/, "\\&amp;", s)
  gsub(/</, "\\&lt;", s)
  gsub(/>/, "\\&gt;", s)
  gsub(/"/, "\\&quot;", s)
  return s
}

# target(p): the book's URL for repository path p (already normalised and
# known), recording it in refs when it is a source file or directory.
function target(p,    b) {
  if (p ~ /^chapters\/[^\/]*\.md$/) {
    b = substr(p, 10, length(p) - 12)
    if (b in ischap)
      return b ".html"
  }
  print p >> refs
  if (kind[p] == "d")
    return "src/" p "/index.html"
  return "src/" p ".html"
}

# resolve(v): the rewritten link for v as written in the chapter. A
# relative link is read relative to the chapter's directory first (what
# GitHub does) and then relative to the root (how the README spells them).
function resolve(v,    frag, i, p) {
  if (v == "" || v ~ /^#/ || v ~ /^[A-Za-z][A-Za-z0-9+.-]*:/)
    return v
  frag = ""
  i = index(v, "#")
  if (i) {
    frag = substr(v, i)
    v = substr(v, 1, i - 1)
  }
  p = norm(here "/" v)
  if (!(p in kind))
    p = norm(v)
  if (p == "" || !(p in kind)) {
    printf "book: %s: link to %s: no such file in the repository\n", name, v > "/dev/stderr"
    return v frag
  }
  return target(p) frag
}

function rewrite_attr(tok, attr,    pre, v, post) {
  if (!match(tok, attr "=\"[^\"]*\""))
    return tok
  pre = substr(tok, 1, RSTART - 1)
  v = substr(tok, RSTART + length(attr) + 2, RLENGTH - length(attr) - 3)
  post = substr(tok, RSTART + RLENGTH)
  return pre attr "=\"" escape(resolve(unescape(v))) "\"" post
}

# links(s): s with hrefs and srcs rewritten and bare code spans that are
# exactly a repository path turned into links (never inside another link).
function links(s,    out, tok, x, p) {
  out = ""
  while (match(s, /<a [^>]*>|<\/a>|<img [^>]*>|<code>[^<]*<\/code>/)) {
    out = out substr(s, 1, RSTART - 1)
    tok = substr(s, RSTART, RLENGTH)
    s = substr(s, RSTART + RLENGTH)
    if (tok ~ /^<a /) {
      in_a++
      tok = rewrite_attr(tok, "href")
    } else if (tok == "</a>") {
      if (in_a > 0)
        in_a--
    } else if (tok ~ /^<img /) {
      tok = rewrite_attr(tok, "src")
    } else if (in_a == 0) {
      x = unescape(substr(tok, 7, length(tok) - 13))
      p = norm(x)
      if (x !~ /^[.\/]/ && x !~ /[ \t]/ && p != "" && (p in kind) &&
          (kind[p] == "f" || x ~ /\/$/))
        tok = "<a class=\"src\" href=\"" escape(target(p)) "\">" tok "</a>"
    }
    out = out tok
  }
  return out s
}

# slug(text): GitHub's heading anchor: lower case, punctuation dropped,
# spaces to hyphens; bytes outside ASCII are dropped too.
function slug(t,    s) {
  s = t
  gsub(/<[^>]*>/, "", s)
  s = tolower(unescape(s))
  gsub(/[^a-z0-9 _-]/, "", s)
  gsub(/ /, "-", s)
  return s
}

function figures(    l) {
  while ((getline l < figfile) > 0)
    print l
  close(figfile)
  placed = 1
}

# The answers are folded: a reader who works an exercise alone opens its
# answer when ready, not by scrolling past it. After an "Answers" heading,
# each item of the list that opens the section becomes a <details>; a
# section that is not such a list is folded whole. The Markdown keeps the
# answers at the chapter's end, readable as they are.
function fold(s,    out, t, v) {
  out = ""
  while (match(s, /<\/?(ol|li)( [^>]*)?>/)) {
    t = substr(s, RSTART, RLENGTH)
    out = out substr(s, 1, RSTART - 1)
    s = substr(s, RSTART + RLENGTH)
    if (t ~ /^<ol/) {
      if (++ans_depth == 1 && match(t, /start="[0-9]+"/)) {
        v = substr(t, RSTART + 7, RLENGTH - 8)
        ans_n = v - 1
      }
    } else if (t == "</ol>") {
      ans_depth--
    } else if (ans_depth == 1 && t ~ /^<li/) {
      t = t "<details class=\"answer\"><summary>Answer " ++ans_n "</summary>"
    } else if (ans_depth == 1) {
      t = "</details>" t
    }
    out = out t
  }
  return out s
}

function end_answers() {
  if (ans_mode == "whole")
    print "</details>"
  ans_mode = ""
}

/^<h[1-6]>.*<\/h[1-6]>$/ {
  if (substr($0, 3, 1) <= 2)
    end_answers()
  lvl = substr($0, 3, 1)
  text = substr($0, 5, length($0) - 9)
  id = slug(text)
  if (id in seen)
    id = id "-" seen[id]++
  else
    seen[id] = 1
  print "<h" lvl " id=\"" id "\">" links(text) "</h" lvl ">"
  plain = text
  gsub(/<[^>]*>/, "", plain)
  if (!placed && plain ~ /^Look at the timeline/)
    figures()
  if (lvl <= 2 && plain ~ /^Answers$/) {
    ans_mode = "start"
    ans_depth = ans_n = 0
  }
  next
}

ans_mode == "start" && NF {
  if ($0 ~ /^<ol/) {
    ans_mode = "items"
  } else {
    ans_mode = "whole"
    print "<details class=\"answers\"><summary>Show the answers</summary>"
  }
}


# srclink(p, frag): a link to repository path p (from the root) and the
# fragment frag of its page, or p as code when there is no such file.
function srclink(p, frag,    q) {
  q = norm(p)
  if (q != "" && (q in kind))
    return "<a class=\"src\" href=\"" escape(target(q) frag) "\"><code>" escape(p) "</code></a>"
  printf "book: %s: excerpt of %s: no such file in the repository\n", name, p > "/dev/stderr"
  return "<code>" escape(p) "</code>"
}

# Excerpts kept true by the doc check say where they come from (the fence's
# snippet=FILE:REGION or diff=OLD,NEW); the book shows it above the code.
/^<pre><code class="[^"]*" data-meta="[^"]*">/ {
  meta = $0
  sub(/^<pre><code class="[^"]*" data-meta="/, "", meta)
  sub(/".*/, "", meta)
  meta = unescape(meta)
  if (match(meta, /(^| )snippet=[^ ]+/)) {
    v = substr(meta, RSTART, RLENGTH)
    sub(/^ ?snippet=/, "", v)
    region = v
    sub(/:[^:]*$/, "", v)
    sub(/^.*:/, "", region)
    if (region == v)
      region = ""
    print "<p class=\"excerpt\">" srclink(v, region != "" ? "#snippet-" region : "") (region != "" ? ", region <code>" escape(region) "</code>" : "") "</p>"
  } else if (match(meta, /(^| )diff=[^ ,]+,[^ ]+/)) {
    v = substr(meta, RSTART, RLENGTH)
    sub(/^ ?diff=/, "", v)
    i = index(v, ",")
    print "<p class=\"excerpt\">" srclink(substr(v, 1, i - 1), "") " against " srclink(substr(v, i + 1), "") "</p>"
  }
}

{ print ans_mode == "items" ? fold(links($0)) : links($0) }

END {
  end_answers()
  if (!placed)
    figures()
}
