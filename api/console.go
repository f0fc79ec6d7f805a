package api

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

// consoleRoutes are the web console's static paths (not part of the API table).
var consoleRoutes = []string{"/", "/console.js", "/console.css"}

// mountConsole serves the web console: one page, a script and a style sheet that talk to the
// API like any other client.
func (s *Server) mountConsole(e *echo.Echo) {
	files := http.FileServer(http.FS(s.Console))
	serve := func(c echo.Context) error {
		if c.Request().URL.Path == "/" {
			c.Response().Header().Set("Cache-Control", "no-cache")
		}
		files.ServeHTTP(c.Response(), c.Request())
		return nil
	}
	for _, p := range consoleRoutes {
		e.GET(p, serve)
	}
}

//go:embed console
var consoleFiles embed.FS

// Console is the web console's files.
func Console() fs.FS {
	sub, err := fs.Sub(consoleFiles, "console")
	if err != nil {
		panic(err)
	}
	return sub
}
