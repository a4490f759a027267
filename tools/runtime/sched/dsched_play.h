/* dsched_play.h -- the interactive strategy's protocol, shared by its two
 * sides: the scheduler asks (dsched_play.c), the player answers
 * (`gallery play`, tools/instruments/gallery/play_game.c).
 *
 * The player makes a directory holding two FIFOs, DSCHED_PLAY_ASK and
 * DSCHED_PLAY_ANSWER, and names it in SCHED_PLAY. At each choice the
 * program writes one question to the first, a block of lines
 *
 *   question = choose { opt } { info } taken end
 *   choose   = "choose" SP KIND SP N LF   KIND: "threads" or "requests";
 *                                         N (1..DSCHED_PLAY_MAX_OPTIONS)
 *                                         opt lines follow
 *   opt      = "opt" SP ITEM TAB WHAT LF  ITEM names the option as an
 *                                         order: list does (t1@lock,
 *                                         work#2); no blank, tab or LF
 *   info     = "info" SP TEXT LF          what else is pending (not a
 *                                         choice now)
 *   taken    = "taken" SP SPEC LF         the schedule so far, order:...
 *   end      = "end" LF
 *
 * and reads one line from the second: the ITEM chosen. An answer that is
 * not an option, or no player (SCHED_PLAY unset, the player gone), ends
 * the run with exit 2: a choice nobody made is no verdict. Lengths,
 * without the LF: ITEM below DSCHED_PLAY_ITEM_MAX bytes, WHAT and TEXT
 * below DSCHED_PLAY_TEXT_MAX; a reader may cut longer ones. */
#ifndef DSCHED_PLAY_H
#define DSCHED_PLAY_H

#define DSCHED_PLAY_ASK "ask"
#define DSCHED_PLAY_ANSWER "answer"

#define DSCHED_PLAY_CHOOSE "choose "
#define DSCHED_PLAY_OPT "opt "
#define DSCHED_PLAY_INFO "info "
#define DSCHED_PLAY_TAKEN "taken "
#define DSCHED_PLAY_END "end\n"

#define DSCHED_PLAY_MAX_OPTIONS 64
#define DSCHED_PLAY_ITEM_MAX 80
#define DSCHED_PLAY_TEXT_MAX 160

#endif
