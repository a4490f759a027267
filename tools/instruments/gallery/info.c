/* info.c -- `gallery info`: the scenario files as the gallery reads them,
 * for scripts (--json) and for people. Tools talk to the gallery through
 * this JSON, never by reading its other commands' text. */
#include "registry.h"

#include <jansson.h>

#include <stdio.h>
#include <string.h>

static const char info_help[] =
    "usage: gallery info [NN] [--json] | gallery info --keys [--json]\n"
    "The scenario files (bugs/NN-slug/scenario.conf) as the gallery reads\n"
    "them: one scenario (NN) or all of them, as 'key = value' lines, or\n"
    "with --json as one object (NN) or an array of objects, each with id,\n"
    "slug, name (NN-slug), file and every key (a missing optional one is\n"
    "null, or [] for a list). --keys lists the keys a file may hold: name,\n"
    "type, whether required, and what it means.\n"
    "Exit: 0, 2 usage or a bad scenario file (FILE:LINE: what).\n";

static int print_keys(int json) {
  int n;
  const struct scenario_key *k = scenario_keys(&n);
  json_t *a = json_array();

  for (int i = 0; i < n; i++) {
    if (json)
      json_array_append_new(a, json_pack("{s:s,s:s,s:b,s:s}", "name", k[i].name,
                                         "type", k[i].type, "required",
                                         k[i].required, "doc", k[i].doc));
    else
      printf("%-22s %-14s %-8s %s\n", k[i].name, k[i].type,
             k[i].required ? "required" : "optional", k[i].doc);
  }
  if (json) {
    json_dumpf(a, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
  }
  json_decref(a);
  return 0;
}

int gallery_cmd_info(int argc, char **argv) {
  const struct scenario *one = NULL;
  int json = 0, keys = 0;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0) {
      fputs(info_help, stdout);
      return 0;
    } else if (strcmp(argv[i], "--json") == 0) {
      json = 1;
    } else if (strcmp(argv[i], "--keys") == 0) {
      keys = 1;
    } else if (argv[i][0] != '-' && one == NULL) {
      if ((one = gallery_find(argv[i])) == NULL) {
        fprintf(stderr,
                "gallery: unknown scenario '%s' (build/gallery list "
                "shows them)\n",
                argv[i]);
        return 2;
      }
    } else {
      fprintf(stderr,
              "gallery: info: unexpected '%s' (see gallery info "
              "--help)\n",
              argv[i]);
      return 2;
    }
  }
  if (keys)
    return one ? (fputs("gallery: info: --keys takes no scenario\n", stderr), 2)
               : print_keys(json);
  if (one) {
    scenario_print(one, json, stdout);
    return 0;
  }
  if (json)
    fputs("[\n", stdout);
  for (int i = 0; i < gallery_nscenarios; i++) {
    if (i > 0)
      fputs(json ? ",\n" : "\n", stdout);
    scenario_print(&gallery_scenarios[i], json, stdout);
  }
  if (json)
    fputs("]\n", stdout);
  return 0;
}
