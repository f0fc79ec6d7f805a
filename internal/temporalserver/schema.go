package temporalserver

import (
	"fmt"
	"log/slog"

	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// schemaNames are the embedded schema folders (go.temporal.io/server/schema) of each store.
var schemaNames = map[string]string{
	"default":    "postgresql/v12/temporal",
	"visibility": "postgresql/v12/visibility",
}

// SchemaVersions maps each Temporal database to its schema version.
type SchemaVersions map[string]string

// SetupSchemas creates Temporal's default and visibility databases when they are missing and
// brings both schemas to the versions embedded in this binary: a new database gets the version
// tables, then every versioned step from v1.0 on; an existing one only the steps it lacks. Running
// it again changes nothing. It is the server's own `temporal-sql-tool create / setup-schema -v 0.0
// / update-schema` sequence, with the schema files compiled in.
func SetupSchemas(rawURL, visibilityDatabase string, l *slog.Logger) (SchemaVersions, error) {
	if visibilityDatabase == "" {
		visibilityDatabase = "temporal_visibility"
	}
	if l == nil {
		l = slog.Default()
	}
	level := &slog.LevelVar{}
	level.Set(slog.LevelWarn)
	logger := Logger(l, level, false)
	versions := SchemaVersions{}
	for _, store := range []struct{ kind, database string }{{"default", ""}, {"visibility", visibilityDatabase}} {
		cfg, err := SQLConfig(rawURL, store.database)
		if err != nil {
			return nil, err
		}
		version, err := setupOne(*cfg, schemaNames[store.kind], logger)
		if err != nil {
			return nil, fmt.Errorf("temporal %s schema on database %s: %w", store.kind, cfg.DatabaseName, err)
		}
		versions[cfg.DatabaseName] = version
	}
	return versions, nil
}

func setupOne(cfg config.SQL, schemaName string, logger log.Logger) (string, error) {
	if err := ensureDatabase(cfg, logger); err != nil {
		return "", err
	}
	conn, err := sqltool.NewConnection(&cfg, logger)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	// Version tables and version 0.0 on a new database; a no-op on one already set up.
	setup := schema.NewSetupSchemaTask(conn, &schema.SetupConfig{InitialVersion: "0.0"}, logger)
	if err := setup.Run(); err != nil {
		return "", fmt.Errorf("version tables: %w", err)
	}
	update := schema.NewUpdateSchemaTask(conn, &schema.UpdateConfig{DBName: cfg.DatabaseName, SchemaName: schemaName}, logger)
	if err := update.Run(); err != nil {
		return "", fmt.Errorf("update: %w", err)
	}
	return conn.ReadSchemaVersion()
}

// ensureDatabase creates the database from the server's maintenance database "postgres". A role
// without CREATEDB may still own a database an administrator made: then creating fails and
// connecting succeeds, which is enough.
func ensureDatabase(cfg config.SQL, logger log.Logger) error {
	name := cfg.DatabaseName
	createErr := sqltool.DoCreateDatabase(&cfg, "postgres", logger)
	if createErr == nil {
		return nil
	}
	cfg.DatabaseName = name
	conn, err := sqltool.NewConnection(&cfg, logger)
	if err != nil {
		return fmt.Errorf("create database %s: %w", name, createErr)
	}
	defer conn.Close()
	if err := conn.Exec("SELECT 1"); err != nil {
		return fmt.Errorf("create database %s: %w", name, createErr)
	}
	return nil
}
