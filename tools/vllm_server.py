"""Set up, check or run the vLLM server evalkit evaluates API models against.

    python tools/vllm_server.py setup                      # create the vLLM venv once (~90 s, 3.4 GB)
    python tools/vllm_server.py check                      # exit 0 when the venv imports vllm
    python tools/vllm_server.py start --model DIR [--name N] [--port P]

``start`` prints the base URL and serves until Ctrl-C, then stops every server process.
``--model`` takes a Hugging Face folder or ``embedded:smollm2-135m-instruct``.
The venv lives at $EVALKIT_VLLM_VENV, else ~/.cache/evalkit/vllm-venv.
"""
from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.config.errors import ConfigError  # noqa: E402
from evalkit.models.embedded import EMBEDDED_PREFIX, prepare_embedded_model  # noqa: E402
from evalkit.serving import VLLMServer, VLLMServerError, VLLMVenvError, default_venv_dir  # noqa: E402
from evalkit.serving.vllm_venv import ensure_vllm_venv, venv_python  # noqa: E402


def model_folder(model: str) -> Path:
    if model.startswith(EMBEDDED_PREFIX):
        return prepare_embedded_model(model[len(EMBEDDED_PREFIX):])
    return Path(model)


def setup(_: argparse.Namespace) -> int:
    venv = ensure_vllm_venv()
    print(f'vLLM venv ready: {venv}')
    return 0


def check(_: argparse.Namespace) -> int:
    python = venv_python()
    if not python.exists():
        print(f'no vLLM venv at {default_venv_dir()}; run: python tools/vllm_server.py setup', file=sys.stderr)
        return 1
    probe = subprocess.run([str(python), '-c', 'import vllm; print(vllm.__version__)'],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        print(f'{python} cannot import vllm:\n{probe.stderr[-2000:]}', file=sys.stderr)
        return 1
    print(f'vllm {probe.stdout.strip()} at {default_venv_dir()}')
    return 0


def start(args: argparse.Namespace) -> int:
    stopped = threading.Event()
    # SIGTERM (a runner's or a terminal's hangup) stops the server the way Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with VLLMServer(model_folder(args.model), args.name, port=args.port) as server:
        print(f'{server.base_url}  (model {server.model_name}; log {server.log_path}; Ctrl-C stops it)',
              flush=True)
        try:
            stopped.wait()
        except KeyboardInterrupt:
            pass
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('setup', help='create the vLLM venv (once per machine)').set_defaults(run=setup)
    commands.add_parser('check', help='exit 0 when the vLLM venv works').set_defaults(run=check)
    serve = commands.add_parser('start', help='serve a model until Ctrl-C')
    serve.add_argument('--model', required=True, help='Hugging Face model folder or embedded:NAME')
    serve.add_argument('--name', default='smollm2', help='served model name (default: smollm2)')
    serve.add_argument('--port', type=int, default=None, help='port (default: a free one)')
    serve.set_defaults(run=start)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return args.run(args)
    except (ConfigError, VLLMServerError, VLLMVenvError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main())
