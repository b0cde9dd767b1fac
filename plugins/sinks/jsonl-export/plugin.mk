# jsonl-export sink (named so because the jsonl CONNECTOR owns the name
# `jsonl`): findings as JSON Lines for a SIEM or a data warehouse.
# libcjson builds the lines; libsodium gives the line ids (SHA-256).
jsonl-export_PKGS := libcjson libsodium
jsonl-export_SRC_EXTRA := plugins/sinks/common/finding_json.c
TEST_OBJS_jsonl_export :=
TEST_PKGS_jsonl_export := libcjson
