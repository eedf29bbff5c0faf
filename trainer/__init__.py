"""The bundled Megatron-style trainer and the token files it reads (trainer.indexed)."""
