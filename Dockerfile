# syntax=docker/dockerfile:1
# The emulator in a small image: built in the Rust image, then the stripped
# binary alone on distroless (glibc, CA certificates, no shell, no package
# manager), run as an unprivileged user. Target size: under 50 MB (the base is
# about 23 MB, the binary about 14 MB). Docker is not run by the test suite:
# this file is checked by reading it.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# Symbols are for debugging on a developer's machine, not for the image.
ENV CARGO_PROFILE_RELEASE_STRIP=symbols
# The registry and target caches survive between builds of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && install -D target/release/checkout-templates /out/checkout-templates \
    && mkdir /out/data

# Debian 12's glibc, as the build stage's: the binary needs libc, libm and libgcc_s.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/checkout-templates /usr/local/bin/checkout-templates
# The SQLite file lives here (mount a volume to keep it); owned by nonroot (65532).
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
VOLUME /data
USER 65532:65532
# Every interface inside the container; links the emulator builds point at the
# host's mapped port (override CHECKOUT_TEMPLATES_PUBLIC_URL if it is not 8080).
ENV CHECKOUT_TEMPLATES_LISTEN=0.0.0.0:8080 \
    CHECKOUT_TEMPLATES_PUBLIC_URL=http://localhost:8080
EXPOSE 8080
# No curl here: the binary probes itself (GET /_emulator/ready on loopback,
# the port from CHECKOUT_TEMPLATES_LISTEN); healthy once the database answers.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/checkout-templates", "probe"]
ENTRYPOINT ["/usr/local/bin/checkout-templates"]
