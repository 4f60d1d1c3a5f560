# dpcast-train from the command line: bad input of each class gives exactly one line on
# stderr and exit status 2 (run as a single process, as without mpirun: mpirun would add
# its own report), and a short run trains and writes a record. Uses tests/cli/check_cli.cmake.
set(CHECK_CLI ${PROJECT_SOURCE_DIR}/tests/cli/check_cli.cmake)
set(REAL_BAD tests/real/bad)
set(MPI_ROOT_ENV "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")

function(dpcast_train_error name message)
  add_test(NAME real.cli.error.${name}
           COMMAND ${CMAKE_COMMAND} "-DCMD=$<TARGET_FILE:dpcast-train>;${ARGN}" -DEXPECT_RC=2
                   "-DEXPECT_STDERR=${message}" -P ${CHECK_CLI}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(real.cli.error.${name} PROPERTIES ENVIRONMENT "${MPI_ROOT_ENV}")
endfunction()

function(dpcast_train_test name expect_rc expect_stdout)
  add_test(NAME real.cli.${name}
           COMMAND ${CMAKE_COMMAND} "-DCMD=$<TARGET_FILE:dpcast-train>;${ARGN}" -DEXPECT_RC=${expect_rc}
                   "-DEXPECT_STDOUT=${expect_stdout}" -P ${CHECK_CLI}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(real.cli.${name} PROPERTIES ENVIRONMENT "${MPI_ROOT_ENV}")
endfunction()

# ---- Bad input, one class each ----
dpcast_train_error(comm_timeout_nan "--comm-timeout: expected a finite number of seconds above 0, got nan"
  scenarios/real/mlp-cpu.yaml --comm-timeout nan)
dpcast_train_error(lr_nan "dpcast-train: --lr: expected a finite number above 0, got nan (see dpcast-train --help)"
  scenarios/real/mlp-cpu.yaml --lr nan)
if(NOT TARGET dpcast_real_cuda)
  # A build without the CUDA toolkit (tests/real/cuda/cli.cmake covers the builds with it).
  dpcast_train_error(cuda_not_built "--backend: 'cuda' is not available in this build (backends: cpu)"
    scenarios/real/gpt-cuda.yaml --backend cuda --gpus 2)
endif()
dpcast_train_error(wrong_world_size
  "scenarios/real/mlp-cpu.yaml:10:3: cluster: 'MLP on 2 CPU workers' trains on 2 workers (1 node x 2) but runs on 1 MPI rank; start it with mpirun -n 2"
  scenarios/real/mlp-cpu.yaml)
dpcast_train_error(precision_bf16
  "${REAL_BAD}/bf16.yaml:4:39: training.precision: the CPU backend trains in fp32, got bf16"
  ${REAL_BAD}/bf16.yaml)
dpcast_train_error(precision_default
  "${REAL_BAD}/default-precision.yaml:4:11: training.precision: the CPU backend trains in fp32, got bf16 (cpu-core's default); set precision: fp32"
  ${REAL_BAD}/default-precision.yaml)
dpcast_train_error(zero_stage
  "${REAL_BAD}/zero-stage-1.yaml:5:29: data_parallel.zero_stage: the real backend runs ZeRO stage 0 only (every rank keeps all parameters), got 1"
  ${REAL_BAD}/zero-stage-1.yaml)
dpcast_train_error(unsupported_layer_kind
  "${REAL_BAD}/conv-layers.yaml:3:3: model: layer 'conv2d0' (conv2d) is not supported by the real backend, which runs input, embedding, linear, layernorm, attention, gelu, relu, add, loss"
  ${REAL_BAD}/conv-layers.yaml)
dpcast_train_error(grouped_query_attention
  "${REAL_BAD}/grouped-query.yaml:2:8: model: layer 'h0.attn.core' (attention) uses grouped-query attention (4 query heads, 2 key/value heads); the real backend needs as many key/value heads as query heads"
  ${REAL_BAD}/grouped-query.yaml)
dpcast_train_error(sweep
  "${REAL_BAD}/sweep.yaml:6:3: sweep: 3 configurations; dpcast-train trains one: choose it with --config 0..2"
  ${REAL_BAD}/sweep.yaml)
dpcast_train_error(config_out_of_range "--config: 5 is out of range (0..2)" ${REAL_BAD}/sweep.yaml --config 5)
dpcast_train_error(missing_file "${REAL_BAD}/does-not-exist.yaml: cannot open scenario file"
  ${REAL_BAD}/does-not-exist.yaml)
dpcast_train_error(collective_not_auto
  "${REAL_BAD}/collective-ring.yaml:5:29: data_parallel.collective: the real backend all-reduces with MPI, which chooses its own algorithm: use auto, not ring"
  ${REAL_BAD}/collective-ring.yaml)
dpcast_train_error(gradient_copies_written
  "${REAL_BAD}/gradient-copies.yaml:5:34: data_parallel.gradient_copies: the real backend all-reduces each bucket's gradients in place and copies none: write none or leave the key out, not per-tensor"
  ${REAL_BAD}/gradient-copies.yaml)
dpcast_train_error(flash_attention
  "${REAL_BAD}/flash-attention.yaml:4:68: training.attention: the real backend runs eager attention, not flash"
  ${REAL_BAD}/flash-attention.yaml)
if(NOT TARGET dpcast_real_cuda)  # else tests/real/cuda/cli.cmake covers --backend cuda
  dpcast_train_error(backend_unknown "--backend: 'cuda' is not available in this build (backends: cpu)"
    tests/real/scenarios/tiny-mlp-1x8.yaml --backend cuda)
endif()
dpcast_train_error(record_into_missing_folder "${CMAKE_CURRENT_BINARY_DIR}/no-such-folder/x.json: cannot write file"
  tests/real/scenarios/tiny-mlp-1x8.yaml --steps 1 --warmup 0 -o ${CMAKE_CURRENT_BINARY_DIR}/no-such-folder/x.json)
# The command line itself (CLI11's message; exit 2).
dpcast_train_test(no_scenario 2 "")
dpcast_train_test(steps_zero 2 "" tests/real/scenarios/tiny-mlp-1x8.yaml --steps 0)

# ---- Several threads per rank ----
dpcast_train_test(two_threads 0 "2 threads per rank" tests/real/scenarios/tiny-gpt-1x4.yaml --threads 2 --steps 2
                  --warmup 1 -o ${CMAKE_CURRENT_BINARY_DIR}/two-threads.json)

# ---- A sweep point chosen with --config trains ----
dpcast_train_test(sweep_config 0 "step time: median" ${REAL_BAD}/sweep.yaml --config 1 --steps 2 --warmup 1
                  -o ${CMAKE_CURRENT_BINARY_DIR}/sweep-config-1.json)

# ---- Where the record goes is checked before training (issue 19) ----
dpcast_train_error(output_device
  "/dev/null: not a regular file (a device, FIFO or socket); results are written to regular files only"
  scenarios/real/mlp-cpu.yaml -o /dev/null)
dpcast_train_error(output_stdout "-o, --trace: dpcast-train prints its progress on standard output; give a file name"
  scenarios/real/mlp-cpu.yaml -o -)
