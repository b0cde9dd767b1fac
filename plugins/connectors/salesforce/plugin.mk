# salesforce connector: libxml2 reads flow metadata, cJSON the Tooling API,
# libcurl talks to it. Tests link the connector's objects (never salesforce.c,
# which holds the entry point) and, for the pass-by-pass tests, the fake host
# and the loopback Salesforce under tests/support/.
salesforce_PKGS := libxml-2.0 libcjson libcurl
SF_OBJ := $(BUILD)/obj/plugins/connectors/salesforce
SF_LIB_OBJS := $(addprefix $(SF_OBJ)/,flow_parse.o flow_map.o flow_check.o flow_json.o \
  sf_arena.o sf_json.o sf_map.o sf_workflow.o)
SF_SOURCE_OBJS := $(SF_LIB_OBJS) $(addprefix $(SF_OBJ)/,sf_sync.o sf_dir.o sf_http.o sf_api.o \
  sf_service.o)
TEST_OBJS_sf_flow   := $(SF_LIB_OBJS)
TEST_PKGS_sf_flow   := libxml-2.0 libcjson
TEST_OBJS_sf_corpus := $(SF_LIB_OBJS)
TEST_PKGS_sf_corpus := libxml-2.0 libcjson
TEST_OBJS_sf_json   := $(SF_SOURCE_OBJS)
TEST_PKGS_sf_json   := libxml-2.0 libcjson libcurl
TEST_OBJS_sf_sync   := $(SF_SOURCE_OBJS) tests/support/sf_fakehost.c
TEST_PKGS_sf_sync   := libxml-2.0 libcjson libcurl
TEST_OBJS_sf_api    := $(SF_SOURCE_OBJS) tests/support/sf_fakehost.c tests/support/sf_server.c
TEST_PKGS_sf_api    := libxml-2.0 libcjson libcurl libmicrohttpd
TEST_PKGS_sf_dir    := libcjson
