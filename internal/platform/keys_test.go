package platform_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/config"
	"talentflow/internal/platform"
	"talentflow/internal/sealed"
)

func TestOutsideDevModeTheKeysAreRequiredByName(t *testing.T) {
	_, err := platform.Keys(&config.Config{Data: t.TempDir()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TALENTFLOW_DATA_KEYS")
	data, index, err := sealed.Generate("k1")
	require.NoError(t, err)
	_, err = platform.Keys(&config.Config{Keys: config.Keys{DataKeys: config.Secret(data)}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TALENTFLOW_INDEX_KEY")
	_, err = platform.Keys(&config.Config{Keys: config.Keys{DataKeys: "k1:short", IndexKey: config.Secret(index)}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TALENTFLOW_DATA_KEYS")
	k, err := platform.Keys(&config.Config{Keys: config.Keys{DataKeys: config.Secret(data), IndexKey: config.Secret(index)}})
	require.NoError(t, err)
	assert.Equal(t, "k1", k.PrimaryID())

	cfg := &config.Config{Keys: config.Keys{DataKeys: config.Secret(data), IndexKey: config.Secret(index)}}
	assert.NotContains(t, cfg.DataKeys.String()+cfg.IndexKey.String(), data[3:10], "the keys never print")
}

func TestDevModeGeneratesTheKeysOnceAndKeepsThemPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first := &config.Config{Data: dir}
	require.NoError(t, platform.DevKeys(first))
	for _, name := range []string{platform.DataKeyFile, platform.IndexKeyFile} {
		st, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), name)
	}
	a, err := platform.Keys(first)
	require.NoError(t, err)
	sealedID, err := a.Seal("11010519491231002X", "id_number")
	require.NoError(t, err)

	again := &config.Config{Data: dir}
	require.NoError(t, platform.DevKeys(again))
	b, err := platform.Keys(again)
	require.NoError(t, err)
	plain, err := b.Open(sealedID, "id_number")
	require.NoError(t, err, "a restart opens what the last run sealed")
	assert.Equal(t, "11010519491231002X", plain)
	assert.Equal(t, a.Index("citizen_id", "x"), b.Index("citizen_id", "x"))

	// Keys from the environment win over the folder's.
	data, index, err := sealed.Generate("prod")
	require.NoError(t, err)
	set := &config.Config{Data: dir, Keys: config.Keys{DataKeys: config.Secret(data), IndexKey: config.Secret(index)}}
	require.NoError(t, platform.DevKeys(set))
	c, err := platform.Keys(set)
	require.NoError(t, err)
	assert.Equal(t, "prod", c.PrimaryID())
}
