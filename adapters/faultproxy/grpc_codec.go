package faultproxy

import "fmt"

// frame is one gRPC message, still encoded. The proxy never decodes
// messages, so it forwards any service, known or not.
type frame struct {
	data []byte
}

// rawCodec moves frames as the bytes they are.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) ([]byte, error) {
	f, ok := v.(*frame)
	if !ok {
		return nil, fmt.Errorf("faultproxy: raw codec cannot marshal %T; only *frame", v)
	}
	return f.data, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	f, ok := v.(*frame)
	if !ok {
		return fmt.Errorf("faultproxy: raw codec cannot unmarshal into %T; only *frame", v)
	}
	f.data = data
	return nil
}
