/*
 * crmgov/version.h -- release and ABI version numbers.
 *
 * Two separate numbers live here. The release version (semver) names a
 * release of the crmgov core. The ABI version is the contract between the
 * core and plugins: a plugin built against ABI MAJOR.MINOR loads into a core
 * whose ABI has the same MAJOR and a MINOR that is equal or newer. A new
 * minor only adds things at the end of structs and enums; a new major
 * changes meaning and gets a new entry symbol (crmgov_plugin_v2).
 *
 * ABI history: 1.0 the first; 1.1 adds crmgov_event.automation_key.
 */
#ifndef CRMGOV_VERSION_H
#define CRMGOV_VERSION_H

#define CRMGOV_VERSION_MAJOR 0
#define CRMGOV_VERSION_MINOR 1
#define CRMGOV_VERSION_PATCH 0
#define CRMGOV_VERSION_STRING "0.1.0"

#define CRMGOV_ABI_MAJOR 1
#define CRMGOV_ABI_MINOR 1

/* One number to compare ABI versions: 0xMMMMmmmm. */
#define CRMGOV_ABI_NUMBER(major, minor) \
    ((((unsigned long)(major)) << 16) | ((unsigned long)(minor) & 0xffffUL))

#endif
