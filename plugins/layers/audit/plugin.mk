# audit layer: cJSON for evidence and the report's JSON; libm for the z-test.
audit_PKGS := libcjson
# test_audit_units links the layer's pure parts (never audit.c, which exports the entry point).
TEST_OBJS_audit_units := $(BUILD)/obj/plugins/layers/audit/aud_stats.o \
  $(BUILD)/obj/plugins/layers/audit/aud_model.o $(BUILD)/obj/plugins/layers/audit/aud_names.o \
  $(BUILD)/obj/plugins/layers/audit/aud_rows.o $(BUILD)/obj/plugins/layers/audit/aud_state.o \
  $(BUILD)/obj/plugins/layers/audit/aud_packed.o
TEST_PKGS_audit_units := libcjson
