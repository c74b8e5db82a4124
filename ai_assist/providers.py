"""Where text is generated: the built-in engine (always there) or an external OpenAI-compatible
chat-completions endpoint (only when configured, and only for clinics that switch it on)."""

import json
import urllib.error
import urllib.request

from django.conf import settings


class ProviderError(Exception):
    """The external provider failed (time-out, refusal, an answer we cannot use)."""


class ExternalProvider:
    """Any OpenAI-compatible `/chat/completions` endpoint (hosted, vLLM, Ollama, llama.cpp)."""

    name = "external"

    def __init__(self, *, url: str, model: str, api_key: str = "", timeout: float = 20.0):
        if not url.startswith(("http://", "https://")):
            raise ProviderError("AI_PROVIDER_URL must be an http(s) URL")
        self.url = url if url.endswith("/chat/completions") else f"{url}/chat/completions"
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    @classmethod
    def configured(cls):
        """The provider the deployment configured, or None (then nothing ever leaves)."""
        if not settings.AI_PROVIDER_URL:
            return None
        return cls(
            url=settings.AI_PROVIDER_URL,
            model=settings.AI_MODEL,
            api_key=settings.AI_API_KEY,
            timeout=settings.AI_PROVIDER_TIMEOUT,
        )

    def complete(self, *, system: str, user: str) -> str:
        body = json.dumps(
            {
                "model": self.model,
                "temperature": 0,
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": user},
                ],
            }
        ).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read().decode())
            return str(answer["choices"][0]["message"]["content"])
        except TimeoutError as exc:
            raise ProviderError("timeout") from exc
        except urllib.error.URLError as exc:
            reason = "timeout" if isinstance(exc.reason, TimeoutError) else "unreachable"
            raise ProviderError(reason) from exc
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderError("bad answer") from exc
