# dpcast-train --backend cuda from the command line, on any machine: the scenario is checked
# before a GPU is looked for, and without a GPU (CUDA_VISIBLE_DEVICES=-1 hides any there is,
# so these pass on GPU machines too) the command says so in one line and exits with 2 --
# through the launcher's workers as well (--gpus 2). Uses tests/cli/check_cli.cmake.
set(CHECK_CLI ${PROJECT_SOURCE_DIR}/tests/cli/check_cli.cmake)
set(CHECK_CLI_MATCH ${PROJECT_SOURCE_DIR}/tests/real/check_cli_match.cmake)
set(REAL_BAD tests/real/bad)
set(NO_GPU "CUDA_VISIBLE_DEVICES=-1")
# Where the record would go: these runs stop before writing one (-o must name a regular file).
set(NEVER_WRITTEN ${CMAKE_CURRENT_BINARY_DIR}/no-device-record.json)

function(dpcast_train_cuda_error name message)
  add_test(NAME real.cuda.cli.error.${name}
           COMMAND ${CMAKE_COMMAND} "-DCMD=$<TARGET_FILE:dpcast-train>;${ARGN}" -DEXPECT_RC=2
                   "-DEXPECT_STDERR=${message}" -P ${CHECK_CLI}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(real.cuda.cli.error.${name} PROPERTIES ENVIRONMENT "${NO_GPU}")
endfunction()

# No device: one line naming the runtime's reason, exit status 2.
function(dpcast_train_cuda_no_device name)
  add_test(NAME real.cuda.cli.no_device.${name}
           COMMAND ${CMAKE_COMMAND} "-DCMD=$<TARGET_FILE:dpcast-train>;${ARGN}" -DEXPECT_RC=2
                   "-DEXPECT_STDERR_REGEX=^--backend cuda: no CUDA device found \\(cudaGetDeviceCount: [^\n]+\\)$"
                   "-DENV=${NO_GPU}" -P ${CHECK_CLI_MATCH}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endfunction()

dpcast_train_cuda_no_device(one_process tests/real/scenarios/tiny-gpt-1x4.yaml --backend cuda --steps 1 -o ${NEVER_WRITTEN})
# Two workers forked by the launcher: rank 0 reports, both exit 2, the launcher adds nothing.
dpcast_train_cuda_no_device(two_workers tests/real/scenarios/tiny-gpt-2x2.yaml --backend cuda --gpus 2 --steps 1
                            -o ${NEVER_WRITTEN})
dpcast_train_cuda_no_device(microbench --microbench --quick --backend cuda -o ${NEVER_WRITTEN})
# The CUDA example scenarios pass every check before the GPU is looked for.
dpcast_train_cuda_no_device(example_gpt2_small scenarios/real/gpt2-small-cuda.yaml --config 1 --backend cuda --steps 1
                            -o ${NEVER_WRITTEN})
dpcast_train_cuda_no_device(example_gpt scenarios/real/gpt-cuda.yaml --backend cuda --gpus 2 --steps 1 -o ${NEVER_WRITTEN})
# The CUDA backend takes every precision (the CPU backend only fp32): bf16 gets as far as the GPU.
dpcast_train_cuda_no_device(bf16_accepted ${REAL_BAD}/bf16.yaml --backend cuda --steps 1 -o ${NEVER_WRITTEN})

# Wrong use, found before any GPU is looked for.
dpcast_train_cuda_error(wrong_world_size
  "tests/real/scenarios/tiny-gpt-2x2.yaml:5:10: cluster: 'tiny GPT, 2 ranks' trains on 2 workers (1 node x 2) but runs on 1 GPU; start it with --gpus 2"
  tests/real/scenarios/tiny-gpt-2x2.yaml --backend cuda)
dpcast_train_cuda_error(wrong_gpus
  "tests/real/scenarios/tiny-gpt-2x2.yaml:5:10: cluster: 'tiny GPT, 2 ranks' trains on 2 workers (1 node x 2) but runs on 3 GPUs; start it with --gpus 2"
  tests/real/scenarios/tiny-gpt-2x2.yaml --backend cuda --gpus 3)
dpcast_train_cuda_error(gpus_without_cuda
  "--gpus: starts one process per GPU for --backend cuda; the CPU backend's ranks come from mpirun -n N"
  tests/real/scenarios/tiny-gpt-2x2.yaml --gpus 2)
dpcast_train_cuda_error(threads_with_cuda
  "--threads: sets CPU compute threads (--backend cpu); the CUDA backend computes on the GPU"
  tests/real/scenarios/tiny-gpt-1x4.yaml --backend cuda --threads 2)
dpcast_train_cuda_error(collective_not_auto
  "${REAL_BAD}/collective-ring.yaml:5:29: data_parallel.collective: the real backend all-reduces with NCCL, which chooses its own algorithm: use auto, not ring"
  ${REAL_BAD}/collective-ring.yaml --backend cuda)
dpcast_train_cuda_error(flash_attention
  "${REAL_BAD}/flash-attention.yaml:4:68: training.attention: the real backend runs eager attention, not flash"
  ${REAL_BAD}/flash-attention.yaml --backend cuda)

# The command line itself (CLI11's message; exit 2).
function(dpcast_train_cuda_usage name)
  add_test(NAME real.cuda.cli.usage.${name}
           COMMAND ${CMAKE_COMMAND} "-DCMD=$<TARGET_FILE:dpcast-train>;${ARGN}" -DEXPECT_RC=2
                   "-DEXPECT_STDERR_REGEX=^dpcast-train: .* \\(see dpcast-train --help\\)$" -P ${CHECK_CLI_MATCH}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endfunction()
dpcast_train_cuda_usage(gpus_zero tests/real/scenarios/tiny-gpt-1x4.yaml --backend cuda --gpus 0)
dpcast_train_cuda_usage(gpus_not_a_number tests/real/scenarios/tiny-gpt-1x4.yaml --backend cuda --gpus two)
dpcast_train_cuda_usage(backend_unknown tests/real/scenarios/tiny-gpt-1x4.yaml --backend tpu)
