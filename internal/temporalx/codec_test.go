package temporalx_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"talentflow/internal/sealed"
	"talentflow/internal/temporalx"
)

func keyring(t *testing.T, spec string) *sealed.Keyring {
	t.Helper()
	_, index, err := sealed.Generate("x")
	require.NoError(t, err)
	k, err := sealed.Parse(spec, index)
	require.NoError(t, err)
	return k
}

func newKey(t *testing.T, id string) string {
	data, _, err := sealed.Generate(id)
	require.NoError(t, err)
	return data
}

type profile struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

var li = profile{Name: "李明", IDNumber: "11010519491231002X"}

func TestWorkflowPayloadsAreCiphertextAndComeBackWhole(t *testing.T) {
	dc := temporalx.NewDataConverter(keyring(t, newKey(t, "k1")))
	p, err := dc.ToPayload(li)
	require.NoError(t, err)
	assert.Equal(t, temporalx.EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	assert.Equal(t, "k1", string(p.Metadata[temporalx.MetadataKeyID]))
	assert.False(t, bytes.Contains(p.Data, []byte(li.IDNumber)), "the ID number is not in the stored payload")
	assert.False(t, bytes.Contains(p.Data, []byte("json/plain")), "nor is the inner encoding")
	var back profile
	require.NoError(t, dc.FromPayload(p, &back))
	assert.Equal(t, li, back)
}

func TestPayloadsWithoutTheMarkerPassThrough(t *testing.T) {
	dc := temporalx.NewDataConverter(keyring(t, newKey(t, "k1")))
	plain, err := converter.GetDefaultDataConverter().ToPayload(li)
	require.NoError(t, err)
	var back profile
	require.NoError(t, dc.FromPayload(plain, &back), "a history from before the codec still decodes")
	assert.Equal(t, li, back)
}

func TestPayloadKeysRotate(t *testing.T) {
	old := newKey(t, "2025")
	before, err := temporalx.Codec{Keys: keyring(t, old)}.Encode([]*commonpb.Payload{{Data: []byte("x")}})
	require.NoError(t, err)
	rotated := temporalx.Codec{Keys: keyring(t, newKey(t, "2026")+","+old)}
	back, err := rotated.Decode(before)
	require.NoError(t, err)
	assert.Equal(t, []byte("x"), back[0].Data)
	after, err := rotated.Encode(back)
	require.NoError(t, err)
	assert.Equal(t, "2026", string(after[0].Metadata[temporalx.MetadataKeyID]))

	_, err = temporalx.Codec{Keys: keyring(t, newKey(t, "other"))}.Decode(before)
	assert.ErrorIs(t, err, sealed.ErrUnknownKey, "a payload of a key one does not hold stays closed")
}

func TestARecordedHistoryIsDecodedForTheReplayer(t *testing.T) {
	keys := keyring(t, newKey(t, "k1"))
	dc := temporalx.NewDataConverter(keys)
	input, err := dc.ToPayloads(li)
	require.NoError(t, err)
	h := &historypb.History{Events: []*historypb.HistoryEvent{{
		Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
			WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{Input: input}},
	}}}
	require.NoError(t, temporalx.DecodeHistory(context.Background(), keys, h))
	got := h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetInput()
	var back profile
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(got, &back), "the default converter reads it")
	assert.Equal(t, li, back)
}

func BenchmarkEncodeAndDecodeAPayload(b *testing.B) {
	data, index, _ := sealed.Generate("k1")
	keys, _ := sealed.Parse(data, index)
	codec := temporalx.Codec{Keys: keys}
	p, _ := converter.GetDefaultDataConverter().ToPayload(map[string]string{"case_id": "case_06h15mc4d215pjg1", "name": "李明",
		"comment": strings.Repeat("材料齐全，予以受理。", 20)})
	in := []*commonpb.Payload{p}
	for b.Loop() {
		enc, _ := codec.Encode(in)
		_, _ = codec.Decode(enc)
	}
}
