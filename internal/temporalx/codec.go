package temporalx

import (
	"context"
	"errors"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"

	"talentflow/internal/sealed"
)

// Workflow payloads are encrypted the way Temporal intends: a payload codec in the client's
// data converter, so that workflow inputs and results, Update and signal arguments, activity
// arguments and results — everything the server stores in its histories — reach Temporal's
// database as ciphertext. Workflow code never sees it: the SDK encodes on the way out of the
// client and worker and decodes on the way in.

// Metadata of an encrypted payload.
const (
	// EncodingEncrypted marks a payload this codec encrypted; any other payload is passed
	// through on decode (histories from before the codec, payloads of other tools).
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID names the key that encrypted it, so keys can rotate.
	MetadataKeyID = "encryption-key-id"
	// payloadAAD binds the ciphertext to its use: a sealed read-model column does not open as
	// a payload, nor a payload as a column.
	payloadAAD = "temporal-payload"
)

// Codec encrypts each payload whole (its metadata and data, marshalled) with the keyring's
// first key, and decrypts with whichever key the payload names.
type Codec struct {
	Keys *sealed.Keyring
}

var _ converter.PayloadCodec = Codec{}

// NewDataConverter is the SDK's default converter with the codec: what every client
// talentflow creates uses.
func NewDataConverter(keys *sealed.Keyring) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), Codec{Keys: keys})
}

// Encode encrypts every payload.
func (c Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("encrypt payload: %w", err)
		}
		keyID, sealedData, err := c.Keys.SealBytes(plain, []byte(payloadAAD))
		if err != nil {
			return payloads, fmt.Errorf("encrypt payload: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(EncodingEncrypted), MetadataKeyID: []byte(keyID)},
			Data:     sealedData,
		}
	}
	return out, nil
}

// Decode decrypts the payloads this codec encrypted and passes every other one through.
func (c Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !Encrypted(p) {
			out[i] = p
			continue
		}
		plain, err := c.Keys.OpenBytes(string(p.Metadata[MetadataKeyID]), p.Data, []byte(payloadAAD))
		if err != nil {
			return payloads, fmt.Errorf("decrypt payload: %w", err)
		}
		var decoded commonpb.Payload
		if err := proto.Unmarshal(plain, &decoded); err != nil {
			return payloads, fmt.Errorf("decrypt payload: %w", err)
		}
		out[i] = &decoded
	}
	return out, nil
}

// Encrypted reports whether a payload carries this codec's encoding marker.
func Encrypted(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[converter.MetadataEncoding]) == EncodingEncrypted
}

// DecodeHistory decrypts every payload of a history in place (search attributes are never
// encrypted), so that it replays with the SDK's default converter: what the e2e tests write
// when they record histories for the replay tests.
func DecodeHistory(ctx context.Context, keys *sealed.Keyring, h *historypb.History) error {
	if keys == nil {
		return errors.New("decode history: no keys")
	}
	codec := Codec{Keys: keys}
	return proxy.VisitPayloads(ctx, h, proxy.VisitPayloadsOptions{
		SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
			return codec.Decode(p)
		},
	})
}
