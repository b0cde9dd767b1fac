# ownership layer: cJSON for evidence and audit details, libsodium for the
# SHA-256 of import files recorded in the audit log.
ownership_PKGS := libcjson libsodium
# test_ownership_csv links the CSV reader and the containers directly.
TEST_OBJS_ownership_csv := $(BUILD)/obj/plugins/layers/ownership/own_csv.o \
	$(BUILD)/obj/plugins/layers/ownership/own_util.o
