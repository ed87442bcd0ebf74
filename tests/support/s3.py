"""A real S3 protocol server for the media store tests: moto in server mode, on a free local port.

Every test that uses it gets a prefix of its own in one bucket, so nothing leaks between tests
(and a test can list exactly what it stored).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import requests

from tests.support.cluster import free_port

BUCKET = "loket-media-test"
# moto accepts any credentials; boto3 wants some (never real ones in tests).
KEY_ID, SECRET, REGION = "testing", "testing", "ap-southeast-3"


@dataclass
class S3Server:
    endpoint: str

    def client(self):
        return boto3.session.Session(aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET).client(
            "s3", endpoint_url=self.endpoint, region_name=REGION)

    def keys(self, prefix: str) -> dict[str, bytes]:
        """Every object under the prefix, by its key relative to the prefix."""
        client = self.client()
        listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/").get("Contents", [])
        return {item["Key"][len(prefix) + 1:]: client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
                for item in listed}

    def configure(self, config, bucket: str = BUCKET) -> str:
        """Point the config at a fresh prefix of the bucket; returns the prefix."""
        prefix = f"t-{secrets.token_hex(6)}"
        config.MEDIA_STORE_URL = f"s3://{bucket}/{prefix}"
        config.MEDIA_S3_ENDPOINT_URL = self.endpoint
        config.AWS_ACCESS_KEY_ID, config.AWS_SECRET_ACCESS_KEY, config.AWS_DEFAULT_REGION = KEY_ID, SECRET, REGION
        return prefix

    def env(self, prefix: str) -> dict[str, str]:
        """The same settings for another process."""
        return {"MEDIA_STORE_URL": f"s3://{BUCKET}/{prefix}", "MEDIA_S3_ENDPOINT_URL": self.endpoint,
                "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_DEFAULT_REGION": REGION}


@contextmanager
def moto_server() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        s3 = S3Server(f"http://127.0.0.1:{port}")
        # moto keeps its buckets in this process's memory, across servers: an earlier server's
        # bucket (another test module's) would still be there. Start from nothing.
        requests.post(f"{s3.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        s3.client().create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield s3
    finally:
        server.stop()
