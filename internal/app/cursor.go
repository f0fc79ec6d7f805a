package app

import (
	"encoding/base64"
	"strings"
	"time"

	"gorm.io/gorm"
)

const defaultPageSize = 50

// encodeCursor makes an opaque cursor from a row's sort key.
func encodeCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id))
}

func decodeCursor(s string) (time.Time, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, "", Invalid("cursor", "cursor is not one this API issued")
	}
	ts, id, ok := strings.Cut(string(raw), "|")
	at, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", Invalid("cursor", "cursor is not one this API issued")
	}
	return at, id, nil
}

// pageQuery orders q by (column, id) and continues after cursor; it fetches one row more than
// the page so the caller knows whether a next page exists. It returns the page size.
func pageQuery(q **gorm.DB, cursor string, limit int, column string, desc bool) (int, error) {
	if limit <= 0 {
		limit = defaultPageSize
	}
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	db := *q
	if cursor != "" {
		at, id, err := decodeCursor(cursor)
		if err != nil {
			return 0, err
		}
		db = db.Where("("+column+" "+cmp+" ?) OR ("+column+" = ? AND id "+cmp+" ?)", at, at, id)
	}
	*q = db.Order(column + " " + dir + ", id " + dir).Limit(limit + 1)
	return limit, nil
}

// pageOf turns the rows of a pageQuery (one more than limit when a next page exists) into a
// page: items made by item, the cursor from the sort key of the page's last row.
func pageOf[R, T any](rows []R, limit int, key func(R) (time.Time, string), item func(R) T) Page[T] {
	page := Page[T]{Items: make([]T, 0, min(len(rows), limit))}
	if len(rows) > limit {
		rows = rows[:limit]
		at, id := key(rows[limit-1])
		page.NextCursor = encodeCursor(at, id)
	}
	for _, r := range rows {
		page.Items = append(page.Items, item(r))
	}
	return page
}

// PageQuery is pageQuery for the use-case packages of each concern.
func PageQuery(q **gorm.DB, cursor string, limit int, column string, desc bool) (int, error) {
	return pageQuery(q, cursor, limit, column, desc)
}

// PageOf is pageOf for the use-case packages of each concern.
func PageOf[R, T any](rows []R, limit int, key func(R) (time.Time, string), item func(R) T) Page[T] {
	return pageOf(rows, limit, key, item)
}

// Page is one page of a list and the cursor of the next.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}
