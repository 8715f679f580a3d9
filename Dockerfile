FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/checkout-templates /usr/local/bin/checkout-templates
WORKDIR /data
EXPOSE 8080
ENTRYPOINT ["checkout-templates"]
CMD ["--listen", "0.0.0.0:8080"]
