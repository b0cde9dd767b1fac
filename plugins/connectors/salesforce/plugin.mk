# salesforce connector: libxml2 reads flow metadata, cJSON the Tooling API,
# libcurl talks to it. The flow library objects (everything but salesforce.c,
# which holds the entry point) are linked into the unit tests.
salesforce_PKGS := libxml-2.0 libcjson libcurl
SF_LIB_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(addprefix plugins/connectors/salesforce/,\
  flow_parse.c flow_map.c flow_check.c flow_json.c sf_arena.c sf_json.c sf_map.c \
  sf_workflow.c))
TEST_OBJS_sf_flow   := $(SF_LIB_OBJS)
TEST_PKGS_sf_flow   := libxml-2.0 libcjson
TEST_OBJS_sf_corpus := $(SF_LIB_OBJS)
TEST_PKGS_sf_corpus := libxml-2.0 libcjson
TEST_OBJS_sf_json   := $(SF_LIB_OBJS)
TEST_PKGS_sf_json   := libxml-2.0 libcjson
TEST_PKGS_sf_dir    := libcjson
TEST_PKGS_sf_api    := libcjson libmicrohttpd
