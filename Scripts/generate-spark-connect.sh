#!/usr/bin/env bash
# Regenerates Sources/BeaconSpark/Generated from Protos/spark/connect/*.proto.
# Needs Debian's protoc (apt-get install protobuf-compiler) and the two plugins, built from the
# packages this project already depends on (a few minutes, once):
#   git clone <swift-protobuf 1.39.0>      && swift build -c release --product protoc-gen-swift
#   git clone <grpc-swift-protobuf 2.4.1>  && swift build -c release --product protoc-gen-grpc-swift-2
# Pass their folders in PROTOC_GEN_SWIFT and PROTOC_GEN_GRPC_SWIFT (paths to the binaries).
# The generated code is committed: builds never run protoc (SwiftPM's plugin would compile protoc).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PROTOC_GEN_SWIFT:?path to protoc-gen-swift}"
: "${PROTOC_GEN_GRPC_SWIFT:?path to protoc-gen-grpc-swift-2}"
out=Sources/BeaconSpark/Generated
mkdir -p "$out"
protoc --proto_path=Protos \
  --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" --swift_out="$out" --swift_opt=Visibility=Package \
  --plugin=protoc-gen-grpc-swift="$PROTOC_GEN_GRPC_SWIFT" --grpc-swift_out="$out" \
  --grpc-swift_opt=Visibility=Package,Server=false,Client=true \
  Protos/spark/connect/spark_connect_subset.proto
echo "generated into $out"
