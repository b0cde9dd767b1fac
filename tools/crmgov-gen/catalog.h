/*
 * catalog.h -- the generator's fixed knowledge of a CRM: the four objects,
 * their input fields (what people change), and the automation families a
 * real admin team builds on them.
 *
 * Why data, not code: the healthy-world guarantees (no cycles, no conflicts,
 * no dormancy) rest on a few design choices that are easiest to see in one
 * table: update triggers always filter on input fields, automations only write
 * output fields (plus owner_id through assign) that no trigger listens to,
 * and each family's variants are provably exclusive of one another, so many
 * automations can share a trigger without ever firing on the same change.
 */
#ifndef CRMGOV_GEN_CATALOG_H
#define CRMGOV_GEN_CATALOG_H

enum cat_object_id { OBJ_LEAD = 0, OBJ_DEAL, OBJ_TICKET, OBJ_CONTACT, OBJ_COUNT };

enum cat_field_kind { FK_ENUM = 0, FK_INT, FK_TEXT, FK_USER };

#define CAT_FIELDS_MAX 6
#define CAT_VALUES_MAX 6

typedef struct cat_field {
    const char *name;
    enum cat_field_kind kind;
    int nvalues;
    const char *values[CAT_VALUES_MAX]; /* FK_ENUM */
} cat_field;

typedef struct cat_object {
    const char *name;
    const char *id_prefix; /* record ids: L-1001 */
    int nfields;
    cat_field fields[CAT_FIELDS_MAX];
} cat_object;

/* Input field slots, per object (indexes into cat_object.fields). */
enum { LF_STATUS = 0, LF_SOURCE, LF_REGION, LF_SCORE, LF_EMAIL, LF_OWNER };
enum { DF_STAGE = 0, DF_AMOUNT, DF_REGION, DF_TYPE, DF_OWNER };
enum { TF_STATUS = 0, TF_PRIORITY, TF_CHANNEL, TF_REGION, TF_OWNER };
enum { CF_LIFECYCLE = 0, CF_REGION, CF_EMAIL, CF_PHONE, CF_OWNER };

/* Enum value indexes used by the lifecycle simulation. */
enum { LEAD_NEW = 0, LEAD_WORKING, LEAD_QUALIFIED, LEAD_CONVERTED, LEAD_LOST };
enum { DEAL_NEW = 0, DEAL_PROPOSAL, DEAL_NEGOTIATION, DEAL_WON, DEAL_LOST };
enum { TICKET_OPEN = 0, TICKET_PENDING, TICKET_CLOSED };
enum { PRIO_LOW = 0, PRIO_NORMAL, PRIO_HIGH, PRIO_URGENT };
enum { LIFE_PROSPECT = 0, LIFE_CUSTOMER };
#define REGION_COUNT 3

const cat_object *cat_object_get(int object);
int cat_object_find(const char *name);
/* Slot of an input field of the object, or -1 (output fields have none). */
int cat_field_slot(int object, const char *field);
int cat_enum_index(const cat_field *f, const char *value);
const char *cat_region_name(int region);

#define CAT_VARIANTS_MAX 5
#define CAT_OUTPUTS_MAX 3

typedef struct cat_variant {
    const char *label; /* shown in the name and id */
    const char *cond;  /* extra condition spec, NULL for none */
    double share;      /* fraction of the family's firings it keeps */
} cat_variant;

typedef struct cat_family {
    const char *slug;
    const char *name;
    int object;
    const char *on;      /* trigger.on */
    const char *fields;  /* comma list for trigger.fields, or NULL */
    const char *cond;    /* fixed condition spec, or NULL */
    int nvariants;
    cat_variant variants[CAT_VARIANTS_MAX];
    /* Expected firings per record of the object created (all variants). For
     * schedule/manual families: executions per day instead. */
    double rate;
    int region_split;    /* may add "region eq X" for exclusive regional copies */
    const char *actions; /* comma list: set,notify,assign,task,email,webhook,call */
    int noutputs;
    const char *outputs[CAT_OUTPUTS_MAX]; /* "field=v1|v2|v3" */
    const char *call_target;
} cat_family;

int cat_family_count(void);
const cat_family *cat_family_get(int index);
int cat_family_find(const char *slug);

/* Share of all records created directly by people, per object. Deals and
 * most contacts come from lead conversions on top of this. */
double cat_direct_share(int object);
/* Expected records of the object created per directly created record. */
double cat_records_per_intake(int object);

/* Names for people. */
int cat_first_name_count(void);
int cat_last_name_count(void);
const char *cat_first_name(int i);
const char *cat_last_name(int i);

#endif
