/* names.h - vocabulary tables shared by the runtime and the compiler. */
#ifndef REBOUND_NAMES_H
#define REBOUND_NAMES_H

#define RB_NTYPES 9
#define RB_NBLAMES 5
#define RB_NACTIONS 15
#define RB_NCATEGORIES 12

REBOUND_PRIVATE const char *const rb_type_names[RB_NTYPES];
REBOUND_PRIVATE const char *const rb_blame_names[RB_NBLAMES];
REBOUND_PRIVATE const char *const rb_action_names[RB_NACTIONS];
REBOUND_PRIVATE const char *const rb_category_names[RB_NCATEGORIES];

#endif
