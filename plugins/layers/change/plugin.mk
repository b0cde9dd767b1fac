# change layer: cJSON for definitions, risk reports, requests and SARIF.
change_PKGS := libcjson
# Everything but the entry point, for tests and the benchmark that drive the
# analysis and the layer's helpers directly.
CHANGE_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out plugins/layers/change/change.c,$(wildcard plugins/layers/change/*.c)))
TEST_OBJS_change_engine := $(CHANGE_OBJS)
TEST_PKGS_change_engine := libcjson
