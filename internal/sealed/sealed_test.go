package sealed_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/sealed"
)

func ring(t *testing.T, ids ...string) (*sealed.Keyring, string) {
	t.Helper()
	var parts []string
	var index string
	for _, id := range ids {
		data, idx, err := sealed.Generate(id)
		require.NoError(t, err)
		parts, index = append(parts, data), idx
	}
	k, err := sealed.Parse(strings.Join(parts, ","), index)
	require.NoError(t, err)
	return k, strings.Join(parts, ",")
}

func TestASealedValueOpensOnlyForItsField(t *testing.T) {
	k, _ := ring(t, "k1")
	s, err := k.Seal("11010519491231002X", "id_number")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(s, "sealed:v1:k1:"))
	assert.NotContains(t, s, "11010519491231002X")
	plain, err := k.Open(s, "id_number")
	require.NoError(t, err)
	assert.Equal(t, "11010519491231002X", plain)

	_, err = k.Open(s, "phone")
	assert.ErrorIs(t, err, sealed.ErrCorrupt, "bound to its field")
	tampered := s[:len(s)-2] + "AA"
	_, err = k.Open(tampered, "id_number")
	assert.ErrorIs(t, err, sealed.ErrCorrupt)

	again, _ := k.Seal("11010519491231002X", "id_number")
	assert.NotEqual(t, s, again, "a fresh nonce every time")
}

func TestKeysRotateTheFirstSealsEveryKeyOpens(t *testing.T) {
	old, oldKeys := ring(t, "2025")
	s, err := old.Seal("13905351234", "phone")
	require.NoError(t, err)

	newData, _, err := sealed.Generate("2026")
	require.NoError(t, err)
	// The index key stays: only data keys rotate.
	_, index := func() (string, string) { d, i, _ := sealed.Generate("x"); return d, i }()
	rotated, err := sealed.Parse(newData+","+oldKeys, index)
	require.NoError(t, err)
	plain, err := rotated.Open(s, "phone")
	require.NoError(t, err)
	assert.Equal(t, "13905351234", plain)
	fresh, err := rotated.Seal("13905351234", "phone")
	require.NoError(t, err)
	assert.Equal(t, "2026", sealed.KeyOf(fresh))

	_, err = old.Open(fresh, "phone")
	assert.True(t, errors.Is(err, sealed.ErrUnknownKey), "a key the ring lacks is named: %v", err)
}

func TestPlainAndEmptyValuesPassThrough(t *testing.T) {
	k, _ := ring(t, "k1")
	empty, err := k.Seal("", "phone")
	require.NoError(t, err)
	assert.Equal(t, "", empty)
	plain, err := k.Open("13905351234", "phone")
	require.NoError(t, err)
	assert.Equal(t, "13905351234", plain, "a row from before the migration")
	assert.False(t, sealed.IsSealed("13905351234"))
}

func TestTheBlindIndexIsKeyedAndSeparatedByPurpose(t *testing.T) {
	a, _ := ring(t, "k1")
	b, _ := ring(t, "k1")
	id := "11010519491231002X"
	assert.Equal(t, a.Index("citizen_id", id), a.Index("citizen_id", id), "deterministic")
	assert.NotEqual(t, a.Index("citizen_id", id), b.Index("citizen_id", id), "keyed")
	assert.NotEqual(t, a.Index("citizen_id", id), a.Index("phone", id), "per purpose")
	assert.Len(t, a.Index("citizen_id", id), 64)
	assert.NotContains(t, a.Index("citizen_id", id), id)
}

func TestBadConfigurationIsRefusedNamingTheProblem(t *testing.T) {
	data, index, err := sealed.Generate("k1")
	require.NoError(t, err)
	for name, c := range map[string]struct{ data, index, want string }{
		"no key":        {"", index, "no data key"},
		"no id":         {strings.TrimPrefix(data, "k1:"), index, "id:base64key"},
		"short key":     {"k1:c2hvcnQ=", index, "32 bytes"},
		"bad id":        {"k 1:" + strings.TrimPrefix(data, "k1:"), index, "key id"},
		"duplicate id":  {data + "," + data, index, "twice"},
		"short index":   {data, "c2hvcnQ=", "index key"},
		"not base64":    {"k1:!!!", index, "not base64"},
		"missing index": {data, "", "index key"},
	} {
		_, err := sealed.Parse(c.data, c.index)
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), c.want, name)
		}
	}
}

func BenchmarkSealAndOpenACitizenID(b *testing.B) {
	data, index, _ := sealed.Generate("k1")
	k, _ := sealed.Parse(data, index)
	for b.Loop() {
		s, _ := k.Seal("11010519491231002X", "id_number")
		_, _ = k.Open(s, "id_number")
	}
}
