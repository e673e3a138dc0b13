// SPDX-License-Identifier: GPL-2.0
/* The zcnet tracepoints, instantiated once (zcnet_trace.h). */
#define CREATE_TRACE_POINTS
#include "zcnet_trace.h"
