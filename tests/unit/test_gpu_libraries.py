"""Where a gpu job finds the NVIDIA driver: no ld.so.cache inside, so LD_LIBRARY_PATH and binds."""

from grader import sandbox
from grader.sandbox import gpu


def test_no_gpu_means_no_driver_folders(monkeypatch):
    monkeypatch.setattr(gpu, "gpu_devices", lambda: [])
    gpu.gpu_library_dirs.cache_clear()
    try:
        assert gpu.gpu_library_dirs() == ()
        assert gpu.gpu_environment() == {}
    finally:
        gpu.gpu_library_dirs.cache_clear()


def test_the_driver_folder_is_found_bound_and_named(monkeypatch, tmp_path):
    driver = tmp_path / "nvidia" / "lib64"
    driver.mkdir(parents=True)
    (driver / "libcuda.so.1").write_bytes(b"")
    without = tmp_path / "other"
    without.mkdir()
    monkeypatch.setattr(gpu, "gpu_devices", lambda: ["/dev/nvidia0", "/dev/nvidiactl"])
    monkeypatch.setenv("LD_LIBRARY_PATH", f"{without}:{driver}")
    gpu.gpu_library_dirs.cache_clear()
    try:
        assert gpu.gpu_library_dirs()[0] == str(driver)
        assert str(without) not in gpu.gpu_library_dirs()
        assert str(driver) in gpu.gpu_read_only()
        assert gpu.gpu_environment()["LD_LIBRARY_PATH"].split(":")[0] == str(driver)
        command = sandbox.build_command(tmp_path, ["/bin/true"], sandbox.Limits(), seccomp_fd=9, gpu=True)
        joined = " ".join(command)
        assert f"--ro-bind {driver} {driver}" in joined
        assert "--dev-bind /dev/nvidia0 /dev/nvidia0" in joined
        cpu_only = " ".join(sandbox.build_command(tmp_path, ["/bin/true"], sandbox.Limits(), seccomp_fd=9, gpu=False))
        assert str(driver) not in cpu_only and "nvidia" not in cpu_only
    finally:
        gpu.gpu_library_dirs.cache_clear()
