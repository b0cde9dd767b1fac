# jsonl connector: zlib reads *.jsonl.gz.
jsonl_PKGS := zlib
