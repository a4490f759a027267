/* registry.c -- reads the scenario files, bugs/NN-slug/scenario.conf, into
 * the gallery's list of scenarios. One typed table of keys (in the manner
 * of Redis's standardConfig) says what a file may hold, so that a key's
 * name, type, need and meaning are written once; every value is checked
 * as it is read and a bad one is "FILE:LINE: what", exit 2.
 *
 * The format: "key = value" lines; '#' at the start of a line begins a
 * comment; a line that starts with a blank continues the value above it
 * (joined with one space, or with nothing for a schedule, which holds no
 * blanks). Adding a scenario is adding its folder (ids are permanent:
 * append, never renumber); the Makefile finds its sources by the folder's
 * name. */
#include "registry.h"
#include "spec.h"

#include <jansson.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum key_type { T_STRING, T_INT, T_SCHEDULE, T_LIST, T_SANITIZER };

struct key {
  const char *name;
  enum key_type type;
  size_t offset; /* of the field in struct scenario */
  int required;
  const char *doc;
  int min, max; /* an int's bounds */
};

#define F(field) offsetof(struct scenario, field)
static const struct key keys[] = {
    {.name = "title",
     .type = T_STRING,
     .offset = F(title),
     .required = 1,
     .doc = "the scenario's title; its chapter's H1 is \"NN title\" and the "
            "README's table row shows it (make readme)"},
    {.name = "theme",
     .type = T_STRING,
     .offset = F(theme),
     .required = 1,
     .doc =
         "the kind of pitfall (lost ordering, latent race, ...); its chapter's "
         "'Scenario' line names it (make readme)"},
    {.name = "chapter",
     .type = T_STRING,
     .offset = F(chapter),
     .required = 1,
     .doc = "the chapter that teaches it"},
    {.name = "wrong",
     .type = T_STRING,
     .offset = F(wrong),
     .required = 1,
     .doc = "what goes wrong, one sentence"},
    {.name = "look",
     .type = T_STRING,
     .offset = F(look),
     .required = 1,
     .doc = "what to look at when it fails"},
    {.name = "hunt_timeout",
     .type = T_INT,
     .offset = F(hunt_timeout),
     .required = 1,
     .doc = "seconds one run may take before hunt, run, tour and try call it a "
            "hang (1..3600)",
     .min = 1,
     .max = 3600},
    {.name = "compare_schedule",
     .type = T_SCHEDULE,
     .offset = F(compare_schedule),
     .required = 1,
     .doc = "the script under which one run of the bug breaks its invariant: "
            "compare, try, run's hang hint and the book's figures use it"},
    {.name = "compare_fix_schedule",
     .type = T_SCHEDULE,
     .offset = F(compare_fix_schedule),
     .required = 0,
     .doc = "the same interleaving as a script the fix fits, where "
            "compare_schedule does not"},
    {.name = "hang",
     .type = T_STRING,
     .offset = F(hang),
     .required = 0,
     .doc =
         "what it means when the bug's run makes no progress (a deadlock the "
         "scenario teaches)"},
    {.name = "sanitizer_lesson",
     .type = T_SANITIZER,
     .offset = F(sanitizer_lesson),
     .required = 0,
     .doc = "address or thread: the sanitizer whose report on the bug is the "
            "lesson (make check requires it)"},
    {.name = "sanitizer_lesson_args",
     .type = T_LIST,
     .offset = F(sanitizer_lesson_args),
     .required = 0,
     .doc = "the bug's arguments under which that report is certain"},
    {.name = "tsan_sync_options",
     .type = T_LIST,
     .offset = F(tsan_sync_options),
     .required = 0,
     .doc = "TSAN_OPTIONS added for the sync twin in make check"},
    {.name = "stress_args",
     .type = T_LIST,
     .offset = F(stress_args),
     .required = 0,
     .doc = "the fix's arguments for make check's 10,000-run stress"},
    {.name = "figure_args",
     .type = T_LIST,
     .offset = F(figure_args),
     .required = 0,
     .doc = "the programs' arguments for the book's two figures (small runs)"},
    {.name = "figure_schedule",
     .type = T_SCHEDULE,
     .offset = F(figure_schedule),
     .required = 0,
     .doc = "the figures' script, where compare_schedule does not fit their "
            "arguments"},
};
#undef F
#define NKEYS (sizeof keys / sizeof keys[0])

static const char *const type_names[] = {"string", "int", "schedule", "list",
                                         "address|thread"};

const struct scenario_key *scenario_keys(int *n) {
  static struct scenario_key out[NKEYS];
  for (size_t i = 0; i < NKEYS; i++)
    out[i] = (struct scenario_key){keys[i].name, type_names[keys[i].type],
                                   keys[i].required, keys[i].doc};
  *n = (int)NKEYS;
  return out;
}

static int fail(char *err, size_t len, const char *path, int line,
                const char *fmt, ...) {
  va_list ap;
  int k = line > 0 ? snprintf(err, len, "%s:%d: ", path, line)
                   : snprintf(err, len, "%s: ", path);
  va_start(ap, fmt);
  if (k >= 0 && (size_t)k < len)
    vsnprintf(err + k, len - (size_t)k, fmt, ap);
  va_end(ap);
  return 2;
}

static char *trim(char *p) {
  char *e = p + strlen(p);
  while (*p == ' ' || *p == '\t')
    p++;
  while (e > p && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return p;
}

/* One key's value while its lines are read. */
struct pending {
  const struct key *k;
  int line;
  char *text;
};

static int split_list(char *text, struct scenario_list *l) {
  char *save = NULL;
  l->n = 0;
  l->word = NULL;
  for (char *w = strtok_r(text, " \t", &save); w;
       w = strtok_r(NULL, " \t", &save)) {
    char **grown = realloc(l->word, sizeof *grown * (size_t)(l->n + 1));
    if (grown == NULL || (grown[l->n] = strdup(w)) == NULL) {
      l->word = grown ? grown : l->word;
      return -1;
    }
    l->word = grown;
    l->n++;
  }
  return 0;
}

/* Checks p's text by its key's type and stores it in s. */
static int store(struct pending *p, struct scenario *s, const char *path,
                 char *err, size_t len) {
  void *field = (char *)s + p->k->offset;
  char why[256], *end;
  struct spec sp;
  long v;

  if (*p->text == '\0')
    return fail(err, len, path, p->line, "%s has no value", p->k->name);
  switch (p->k->type) {
  case T_INT:
    errno = 0;
    v = strtol(p->text, &end, 10);
    if (errno || *end || v < p->k->min || v > p->k->max)
      return fail(err, len, path, p->line,
                  "%s: '%s' is not a whole number in %d..%d", p->k->name,
                  p->text, p->k->min, p->k->max);
    *(int *)field = (int)v;
    return 0;
  case T_SCHEDULE:
    if (spec_parse(p->text, &sp, why, sizeof why) != 0)
      return fail(err, len, path, p->line, "%s: bad schedule '%s': %s",
                  p->k->name, p->text, why);
    break;
  case T_SANITIZER:
    if (strcmp(p->text, "address") != 0 && strcmp(p->text, "thread") != 0)
      return fail(err, len, path, p->line,
                  "%s: '%s' is neither address nor thread", p->k->name,
                  p->text);
    break;
  case T_LIST:
    if (split_list(p->text, field) != 0)
      return fail(err, len, path, p->line, "out of memory");
    return 0;
  case T_STRING:
    break;
  }
  if ((*(char **)field = strdup(p->text)) == NULL)
    return fail(err, len, path, p->line, "out of memory");
  return 0;
}

static const struct key *find_key(const char *name) {
  for (size_t i = 0; i < NKEYS; i++)
    if (strcmp(keys[i].name, name) == 0)
      return &keys[i];
  return NULL;
}

/* Appends a continuation line to p's text. */
static int extend(struct pending *p, const char *more) {
  const char *sep = p->k->type == T_SCHEDULE || !*p->text ? "" : " ";
  char *t;
  if (asprintf(&t, "%s%s%s", p->text, sep, more) < 0)
    return -1;
  free(p->text);
  p->text = t;
  return 0;
}

/* Reads the lines of f into s; seen[i] is the line key i was given on. */
static int read_lines(FILE *f, const char *path, struct scenario *s, int *seen,
                      int *nlines, char *err, size_t len) {
  struct pending p = {0};
  char *line = NULL;
  size_t cap = 0;
  int rc = 0, no = 0;

  while (rc == 0 && getline(&line, &cap, f) >= 0) {
    char *eq, *t = trim(line);
    no++;
    if (*t == '\0' || line[0] == '#')
      continue;
    if (t != line) { /* a continuation line */
      if (p.k == NULL)
        rc = fail(err, len, path, no, "a continued line with no key above");
      else if (extend(&p, t) != 0)
        rc = fail(err, len, path, no, "out of memory");
      continue;
    }
    if (p.k && (rc = store(&p, s, path, err, len)) != 0)
      break;
    free(p.text);
    p = (struct pending){0};
    if ((eq = strchr(t, '=')) == NULL) {
      rc = fail(err, len, path, no, "expected 'key = value', got '%s'", t);
      break;
    }
    *eq = '\0';
    p.k = find_key(trim(t));
    if (p.k == NULL) {
      rc = fail(err, len, path, no,
                "unknown key '%s' (build/gallery info "
                "--keys lists them)",
                trim(t));
      break;
    }
    if (seen[p.k - keys]) {
      rc = fail(err, len, path, no, "%s given twice (first on line %d)",
                p.k->name, seen[p.k - keys]);
      break;
    }
    seen[p.k - keys] = p.line = no;
    if ((p.text = strdup(trim(eq + 1))) == NULL)
      rc = fail(err, len, path, no, "out of memory");
  }
  if (rc == 0 && p.k)
    rc = store(&p, s, path, err, len);
  free(p.text);
  free(line);
  *nlines = no;
  return rc;
}

int scenario_read(const char *path, const char *dirname, struct scenario *s,
                  char *err, size_t errlen) {
  int seen[NKEYS] = {0}, nlines = 0, rc;
  char *end;
  long id = strtol(dirname, &end, 10);
  FILE *f;

  memset(s, 0, sizeof *s);
  if (end != dirname + 2 || *end != '-' || end[1] == '\0' || id < 1)
    return fail(err, errlen, path, 0, "the folder is not named NN-slug");
  if ((f = fopen(path, "r")) == NULL) {
    snprintf(err, errlen, "%s: %s (every bugs/NN-slug/ has one)", path,
             strerror(errno));
    return 2;
  }
  s->id = (int)id;
  s->slug = strdup(end + 1);
  s->file = strdup(path);
  rc = read_lines(f, path, s, seen, &nlines, err, errlen);
  if (rc == 0 && ferror(f))
    rc = fail(err, errlen, path, nlines, "read error");
  fclose(f);
  for (size_t i = 0; rc == 0 && i < NKEYS; i++)
    if (keys[i].required && !seen[i])
      rc = fail(err, errlen, path, nlines > 0 ? nlines : 1,
                "missing required key %s (%s)", keys[i].name, keys[i].doc);
  if (rc == 0 && (s->slug == NULL || s->file == NULL))
    rc = fail(err, errlen, path, 0, "out of memory");
  if (rc != 0)
    scenario_free(s);
  return rc;
}

void scenario_free(struct scenario *s) {
  free(s->slug);
  free(s->file);
  for (size_t i = 0; i < NKEYS; i++) {
    void *field = (char *)s + keys[i].offset;
    if (keys[i].type == T_INT)
      continue;
    if (keys[i].type == T_LIST) {
      struct scenario_list *l = field;
      for (int w = 0; w < l->n; w++)
        free(l->word[w]);
      free(l->word);
    } else {
      free(*(char **)field);
    }
  }
  memset(s, 0, sizeof *s);
}

/* One key's value as JSON: a missing optional one is null, or [] for a
 * list, so that a reader never has to ask whether the key is there. */
static json_t *value_json(const struct scenario *s, const struct key *k) {
  const void *field = (const char *)s + k->offset;
  if (k->type == T_INT)
    return json_integer(*(const int *)field);
  if (k->type == T_LIST) {
    const struct scenario_list *l = field;
    json_t *a = json_array();
    for (int w = 0; w < l->n; w++)
      json_array_append_new(a, json_string(l->word[w]));
    return a;
  }
  return *(char *const *)field ? json_string(*(char *const *)field)
                               : json_null();
}

void scenario_print(const struct scenario *s, int json, FILE *f) {
  char dir[256];

  snprintf(dir, sizeof dir, "%02d-%s", s->id, s->slug);
  if (!json) {
    fprintf(f, "# %s\n", s->file);
    for (size_t i = 0; i < NKEYS; i++) {
      json_t *v = value_json(s, &keys[i]);
      if (json_is_null(v) || (json_is_array(v) && !json_array_size(v))) {
        json_decref(v);
        continue;
      }
      fprintf(f, "%s =", keys[i].name);
      if (json_is_integer(v))
        fprintf(f, " %lld", (long long)json_integer_value(v));
      else if (json_is_string(v))
        fprintf(f, " %s", json_string_value(v));
      for (size_t w = 0; json_is_array(v) && w < json_array_size(v); w++)
        fprintf(f, " %s", json_string_value(json_array_get(v, w)));
      fputc('\n', f);
      json_decref(v);
    }
    return;
  }
  json_t *o = json_pack("{s:i,s:s,s:s,s:s}", "id", s->id, "slug", s->slug,
                        "name", dir, "file", s->file);
  for (size_t i = 0; i < NKEYS; i++)
    json_object_set_new(o, keys[i].name, value_json(s, &keys[i]));
  json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', f);
  json_decref(o);
}

/* ------------------------------------------------------------ the list */

const struct scenario *gallery_scenarios;
int gallery_nscenarios;

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The scenario folders under dir (NN-...), sorted, into *names. */
static int folders(const char *dir, char ***names, int *n, char *err,
                   size_t len) {
  DIR *d = opendir(dir);
  struct dirent *e;

  *n = 0;
  *names = NULL;
  if (d == NULL) {
    snprintf(err, len, "%s: %s", dir, strerror(errno));
    return 3;
  }
  while ((e = readdir(d)) != NULL) {
    char **grown;
    if (!isdigit((unsigned char)e->d_name[0]) ||
        !isdigit((unsigned char)e->d_name[1]) || e->d_name[2] != '-')
      continue;
    grown = realloc(*names, sizeof *grown * (size_t)(*n + 1));
    if (grown == NULL || (grown[*n] = strdup(e->d_name)) == NULL) {
      *names = grown ? grown : *names;
      closedir(d);
      snprintf(err, len, "%s: out of memory", dir);
      return 3;
    }
    *names = grown;
    (*n)++;
  }
  closedir(d);
  qsort(*names, (size_t)*n, sizeof **names, by_name);
  return 0;
}

int gallery_load(const char *dir, char *err, size_t errlen) {
  char **names, path[4096];
  int n, rc;
  struct scenario *list;

  if ((rc = folders(dir, &names, &n, err, errlen)) != 0)
    return rc;
  list = calloc((size_t)(n ? n : 1), sizeof *list);
  for (int i = 0; list && rc == 0 && i < n; i++) {
    snprintf(path, sizeof path, "%s/%s/scenario.conf", dir, names[i]);
    rc = scenario_read(path, names[i], &list[i], err, errlen);
    if (rc == 0 && i > 0 && list[i].id == list[i - 1].id)
      rc = fail(err, errlen, path, 0, "id %02d is taken by %s", list[i].id,
                list[i - 1].file);
  }
  for (int i = 0; i < n; i++)
    free(names[i]);
  free(names);
  if (list == NULL) {
    snprintf(err, errlen, "%s: out of memory", dir);
    return 3;
  }
  if (rc != 0) {
    for (int i = 0; i < n; i++)
      scenario_free(&list[i]);
    free(list);
    return rc;
  }
  gallery_scenarios = list;
  gallery_nscenarios = n;
  return 0;
}

const struct scenario *gallery_find(const char *arg) {
  char *end;
  long n;

  if (arg == NULL || *arg == '\0')
    return NULL;
  n = strtol(arg, &end, 10);
  for (int i = 0; i < gallery_nscenarios; i++) {
    const struct scenario *s = &gallery_scenarios[i];
    if (end != arg && n == s->id &&
        (*end == '\0' || (*end == '-' && strcmp(end + 1, s->slug) == 0)))
      return s;
    if (end == arg && strcmp(arg, s->slug) == 0)
      return s;
  }
  return NULL;
}
