# syntax=docker/dockerfile:1
# Static, non-root, shell-less image. CI builds the same static binary with
# `make build` (no Docker engine runs in CI), so a compile break cannot hide.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/watchkeeper ./cmd/watchkeeper

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/watchkeeper /watchkeeper
USER 65532:65532
ENTRYPOINT ["/watchkeeper"]
CMD ["run", "--config", "/etc/watchkeeper/config.yaml"]
