// Package all lists every engine vecmig knows, in one place.
package all

import (
	_ "github.com/cheggaaa/pb/v3"
	_ "github.com/hashicorp/go-retryablehttp"
	_ "github.com/qdrant/go-client/qdrant"
	_ "github.com/urfave/cli/v2"
	_ "github.com/weaviate/weaviate-go-client/v4/weaviate"
	_ "github.com/weaviate/weaviate-go-client/v4/weaviate/grpc"
	_ "github.com/weaviate/weaviate/grpc/generated/protocol/v1"
)
