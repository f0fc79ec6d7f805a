# talentflow in a container: one static binary, the same for `api`, `worker` and `migrate`.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/talentflow ./cmd/talentflow
# The data folder exists in the image, owned by the nonroot user, so that a fresh volume mounted
# there takes that owner and uploads can be written.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/talentflow /usr/local/bin/talentflow
COPY --from=build --chown=65532:65532 /out/data /var/lib/talentflow
ENV TALENTFLOW_DATA=/var/lib/talentflow
VOLUME /var/lib/talentflow
ENTRYPOINT ["/usr/local/bin/talentflow"]
