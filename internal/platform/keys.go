package platform

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"talentflow/internal/config"
	"talentflow/internal/sealed"
)

// The files where dev mode keeps the keys it generated (internal/backup copies them).
const (
	DataKeyFile  = "data.key"
	IndexKeyFile = "index.key"
)

// DevKeys fills in the data and index keys the configuration does not set with keys generated
// once and kept (0600) in the data folder, as TokenSecret keeps the token key: a restart, or a
// restored backup of the folder, opens what the last run sealed.
func DevKeys(cfg *config.Config) error {
	if cfg.DataKeys != "" && cfg.IndexKey != "" {
		return nil
	}
	data, index, err := sealed.Generate("dev1")
	if err != nil {
		return err
	}
	if cfg.DataKeys == "" {
		v, err := keptKey(filepath.Join(cfg.Data, DataKeyFile), data)
		if err != nil {
			return err
		}
		cfg.DataKeys = config.Secret(v)
	}
	if cfg.IndexKey == "" {
		v, err := keptKey(filepath.Join(cfg.Data, IndexKeyFile), index)
		if err != nil {
			return err
		}
		cfg.IndexKey = config.Secret(v)
	}
	return nil
}

// keptKey reads a key file, or writes fresh into it when there is none.
func keptKey(path, fresh string) (string, error) {
	switch b, err := os.ReadFile(path); {
	case err == nil && strings.TrimSpace(string(b)) != "":
		return strings.TrimSpace(string(b)), nil
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("key file: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(fresh+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("key file: %w", err)
	}
	return fresh, nil
}

// Keys is the keyring of personal data and workflow payloads from the configuration. Outside
// dev mode (which calls DevKeys first) both settings are required.
func Keys(cfg *config.Config) (*sealed.Keyring, error) {
	switch {
	case cfg.DataKeys == "":
		return nil, errors.New("data-keys (TALENTFLOW_DATA_KEYS) is required outside dev mode: id:base64key of 32 random bytes, e.g. k1:$(openssl rand -base64 32)")
	case cfg.IndexKey == "":
		return nil, errors.New("index-key (TALENTFLOW_INDEX_KEY) is required outside dev mode: base64 of 32 random bytes, e.g. $(openssl rand -base64 32)")
	}
	k, err := sealed.Parse(cfg.DataKeys.Reveal(), cfg.IndexKey.Reveal())
	if err != nil {
		return nil, fmt.Errorf("data-keys (TALENTFLOW_DATA_KEYS) and index-key (TALENTFLOW_INDEX_KEY): %w", err)
	}
	return k, nil
}
